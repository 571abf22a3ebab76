using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Gateway.KeyVault.Crypto;

/// <summary>Fails the start with a message that says exactly which setting is wrong and how to fix it, instead of a
/// cryptographic error on the first request.</summary>
internal sealed partial class KeyVaultOptionsValidator : IValidateOptions<KeyVaultOptions>
{
    public ValidateOptionsResult Validate(string? name, KeyVaultOptions options)
    {
        List<string>? failures = null;

        if (!MasterKeyRing.TryDecodeKey(options.MasterKey, out _))
        {
            (failures ??= []).Add(
                $"{KeyVaultOptions.SectionName}:MasterKey must be the base64 encoding of exactly {MasterKeyRing.KeySize} " +
                "random bytes (generate one with `openssl rand -base64 32`).");
        }

        if (!KeyIdPattern().IsMatch(options.MasterKeyId))
        {
            (failures ??= []).Add(
                $"{KeyVaultOptions.SectionName}:MasterKeyId must be 1-64 characters of letters, digits, '.', '_' or '-'.");
        }

        foreach (var (id, key) in options.PreviousMasterKeys)
        {
            if (!KeyIdPattern().IsMatch(id))
            {
                (failures ??= []).Add(
                    $"{KeyVaultOptions.SectionName}:PreviousMasterKeys has an invalid id '{id}': use 1-64 letters, digits, '.', '_' or '-'.");
            }
            else if (string.Equals(id, options.MasterKeyId, StringComparison.Ordinal))
            {
                (failures ??= []).Add(
                    $"{KeyVaultOptions.SectionName}:PreviousMasterKeys:{id} reuses the current MasterKeyId; give each master key its own id.");
            }

            if (!MasterKeyRing.TryDecodeKey(key, out _))
            {
                (failures ??= []).Add(
                    $"{KeyVaultOptions.SectionName}:PreviousMasterKeys:{id} must be the base64 encoding of exactly {MasterKeyRing.KeySize} bytes.");
            }
        }

        return failures is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex KeyIdPattern();
}
