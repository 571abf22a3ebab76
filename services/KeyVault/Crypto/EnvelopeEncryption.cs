using System.Security.Cryptography;
using System.Text;

namespace Gateway.KeyVault.Crypto;

/// <summary>Envelope encryption of provider credentials with AES-256-GCM. Each credential gets its own random data
/// key, so rotating the master key only re-wraps 32-byte data keys. The credential's associated data is
/// "tenant/slug", so a ciphertext copied into another tenant's or slug's row fails to decrypt.</summary>
internal sealed class EnvelopeEncryption(MasterKeyRing masterKeys)
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int DataKeySize = 32;
    private const int WrappedDataKeySize = NonceSize + DataKeySize + TagSize;

    public EncryptedCredential Encrypt(string tenantId, string slug, string credential)
    {
        var dataKey = RandomNumberGenerator.GetBytes(DataKeySize);
        try
        {
            var plaintext = Encoding.UTF8.GetBytes(credential);
            var nonce = RandomNumberGenerator.GetBytes(NonceSize);
            var ciphertext = new byte[plaintext.Length + TagSize];
            using (var aes = new AesGcm(dataKey, TagSize))
            {
                aes.Encrypt(nonce, plaintext, ciphertext.AsSpan(0, plaintext.Length), ciphertext.AsSpan(plaintext.Length),
                    CredentialAssociatedData(tenantId, slug));
            }

            CryptographicOperations.ZeroMemory(plaintext);
            var keyId = masterKeys.CurrentKeyId;
            return new EncryptedCredential(keyId, Wrap(masterKeys.Current, keyId, dataKey), nonce, ciphertext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    /// <summary>Decrypts a stored credential. Throws <see cref="UnknownMasterKeyException"/> when its master key is
    /// not configured and <see cref="CryptographicException"/> when anything was altered or moved.</summary>
    public string Decrypt(string tenantId, string slug, EncryptedCredential encrypted)
    {
        if (encrypted.Nonce.Length != NonceSize || encrypted.Ciphertext.Length < TagSize)
        {
            throw new CryptographicException("The stored credential has an invalid layout.");
        }

        var dataKey = Unwrap(masterKeys.Get(encrypted.MasterKeyId), encrypted.MasterKeyId, encrypted.WrappedDataKey);
        var plaintextLength = encrypted.Ciphertext.Length - TagSize;
        var plaintext = new byte[plaintextLength];
        try
        {
            using var aes = new AesGcm(dataKey, TagSize);
            aes.Decrypt(encrypted.Nonce, encrypted.Ciphertext.AsSpan(0, plaintextLength),
                encrypted.Ciphertext.AsSpan(plaintextLength), plaintext, CredentialAssociatedData(tenantId, slug));
            return Encoding.UTF8.GetString(plaintext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    /// <summary>Re-wraps the data key under the current master key. The credential ciphertext is untouched, so a
    /// rotation never handles plaintext credentials and the associated data stays valid.</summary>
    public EncryptedCredential Rewrap(EncryptedCredential encrypted)
    {
        var dataKey = Unwrap(masterKeys.Get(encrypted.MasterKeyId), encrypted.MasterKeyId, encrypted.WrappedDataKey);
        try
        {
            var keyId = masterKeys.CurrentKeyId;
            return encrypted with { MasterKeyId = keyId, WrappedDataKey = Wrap(masterKeys.Current, keyId, dataKey) };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(dataKey);
        }
    }

    private static byte[] Wrap(byte[] masterKey, string masterKeyId, byte[] dataKey)
    {
        var wrapped = new byte[WrappedDataKeySize];
        var nonce = wrapped.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(masterKey, TagSize);
        aes.Encrypt(nonce, dataKey, wrapped.AsSpan(NonceSize, DataKeySize), wrapped.AsSpan(NonceSize + DataKeySize),
            MasterKeyRing.AssociatedData(masterKeyId));
        return wrapped;
    }

    private static byte[] Unwrap(byte[] masterKey, string masterKeyId, byte[] wrapped)
    {
        if (wrapped.Length != WrappedDataKeySize)
        {
            throw new CryptographicException("The stored data key has an invalid layout.");
        }

        var dataKey = new byte[DataKeySize];
        using var aes = new AesGcm(masterKey, TagSize);
        aes.Decrypt(wrapped.AsSpan(0, NonceSize), wrapped.AsSpan(NonceSize, DataKeySize),
            wrapped.AsSpan(NonceSize + DataKeySize), dataKey, MasterKeyRing.AssociatedData(masterKeyId));
        return dataKey;
    }

    private static byte[] CredentialAssociatedData(string tenantId, string slug) =>
        Encoding.UTF8.GetBytes(tenantId + "/" + slug);
}
