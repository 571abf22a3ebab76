namespace Gateway.KeyVault.Crypto;

/// <summary>A provider credential as stored: the data key wrapped under a named master key, and the credential
/// encrypted under that data key.</summary>
/// <param name="MasterKeyId">Which master key wrapped <paramref name="WrappedDataKey"/>.</param>
/// <param name="WrappedDataKey">nonce (12) || AES-256-GCM ciphertext of the data key (32) || tag (16).</param>
/// <param name="Nonce">The 12-byte nonce of the credential encryption.</param>
/// <param name="Ciphertext">AES-256-GCM ciphertext of the UTF-8 credential || tag (16).</param>
internal sealed record EncryptedCredential(string MasterKeyId, byte[] WrappedDataKey, byte[] Nonce, byte[] Ciphertext);
