using System.Security.Cryptography;
using Gateway.KeyVault.Crypto;
using Gateway.Testing;

namespace Gateway.KeyVault.Tests.Crypto;

[Collection(KeyVaultCollection.Name)]
public sealed class KeyVaultOptionsTests(KeyVaultFixture fixture)
{
    private static readonly string ValidKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void A_base64_32_byte_key_is_valid()
    {
        var result = new KeyVaultOptionsValidator().Validate(null, new KeyVaultOptions
        {
            MasterKey = ValidKey,
            PreviousMasterKeys = new() { ["old-1"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)) },
        });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not base64 !!")]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA==")]                                      // 16 bytes
    [InlineData("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")] // 64 bytes
    public void A_master_key_that_is_not_32_bytes_of_base64_is_rejected_clearly(string masterKey)
    {
        var result = new KeyVaultOptionsValidator().Validate(null, new KeyVaultOptions { MasterKey = masterKey });

        Assert.True(result.Failed);
        Assert.Contains("KeyVault:MasterKey must be the base64 encoding of exactly 32", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_previous_keys_and_ids_are_rejected()
    {
        var result = new KeyVaultOptionsValidator().Validate(null, new KeyVaultOptions
        {
            MasterKey = ValidKey,
            MasterKeyId = "primary",
            PreviousMasterKeys = new() { ["primary"] = ValidKey, ["short"] = "AAAA", ["bad id!"] = ValidKey },
        });

        Assert.True(result.Failed);
        Assert.Contains("PreviousMasterKeys:primary reuses the current MasterKeyId", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("PreviousMasterKeys:short must be the base64 encoding", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("invalid id 'bad id!'", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void The_service_refuses_to_start_with_an_invalid_master_key()
    {
        var settings = KeyVaultFixture.Settings(fixture.ConnectionString);
        settings["KeyVault:MasterKey"] = "dG9vLXNob3J0";
        using var host = new ServiceHost<Program>(settings);

        var error = Assert.ThrowsAny<Exception>(() => host.Start());

        Assert.Contains("KeyVault:MasterKey must be the base64 encoding", Flatten(error), StringComparison.Ordinal);
    }

    private static string Flatten(Exception error) =>
        error is AggregateException aggregate
            ? string.Join(" | ", aggregate.Flatten().InnerExceptions.Select(e => e.Message))
            : error.Message + " | " + (error.InnerException is null ? "" : Flatten(error.InnerException));
}
