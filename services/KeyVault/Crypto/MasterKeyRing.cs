using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Gateway.KeyVault.Crypto;

/// <summary>The configured master keys by id: the current one wraps new data keys, previous ones only unwrap, so rows
/// written before a rotation keep working until they are re-encrypted.</summary>
internal sealed class MasterKeyRing
{
    public const int KeySize = 32;

    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.Ordinal);

    public MasterKeyRing(IOptions<KeyVaultOptions> options)
    {
        var value = options.Value;
        CurrentKeyId = value.MasterKeyId;
        foreach (var (id, key) in value.PreviousMasterKeys)
        {
            _keys[id] = Decode(key, $"PreviousMasterKeys:{id}");
        }

        _keys[CurrentKeyId] = Decode(value.MasterKey, "MasterKey");
    }

    public string CurrentKeyId { get; }

    public byte[] Current => _keys[CurrentKeyId];

    /// <summary>Every configured key id, current and previous.</summary>
    public string[] KeyIds => [.. _keys.Keys];

    /// <summary>The key with this id; throws <see cref="UnknownMasterKeyException"/> when it is not configured.</summary>
    public byte[] Get(string keyId) =>
        _keys.TryGetValue(keyId, out var key) ? key : throw new UnknownMasterKeyException(keyId);

    public static bool TryDecodeKey(string? base64, out byte[] key)
    {
        key = [];
        if (string.IsNullOrWhiteSpace(base64))
        {
            return false;
        }

        var buffer = new byte[KeySize + 3];
        if (!Convert.TryFromBase64String(base64.Trim(), buffer, out var written) || written != KeySize)
        {
            return false;
        }

        key = buffer[..KeySize];
        return true;
    }

    /// <summary>The associated data that binds a wrapped data key to the master key id it was wrapped under.</summary>
    public static byte[] AssociatedData(string keyId) => Encoding.UTF8.GetBytes(keyId);

    private static byte[] Decode(string base64, string setting) =>
        TryDecodeKey(base64, out var key)
            ? key
            : throw new CryptographicException($"{KeyVaultOptions.SectionName}:{setting} is not a base64 {KeySize}-byte key.");
}

/// <summary>A row was encrypted under a master key id that this instance is not configured with.</summary>
internal sealed class UnknownMasterKeyException(string keyId)
    : Exception($"Master key '{keyId}' is not configured; add it under {KeyVaultOptions.SectionName}:PreviousMasterKeys.")
{
    public string KeyId { get; } = keyId;
}
