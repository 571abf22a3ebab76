using System.Security.Cryptography;
using Gateway.KeyVault.Crypto;
using Microsoft.Extensions.Options;

namespace Gateway.KeyVault.Tests.Crypto;

public sealed class EnvelopeEncryptionTests
{
    private static readonly string KeyA = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string KeyB = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public void A_credential_round_trips_and_each_encryption_is_fresh()
    {
        var encryption = Encryption(new KeyVaultOptions { MasterKey = KeyA });

        var first = encryption.Encrypt("tenant", "slug", "sk-secret-ünïcode");
        var second = encryption.Encrypt("tenant", "slug", "sk-secret-ünïcode");

        Assert.Equal("sk-secret-ünïcode", encryption.Decrypt("tenant", "slug", first));
        Assert.Equal("primary", first.MasterKeyId);
        Assert.NotEqual(first.Nonce, second.Nonce);
        Assert.NotEqual(first.WrappedDataKey, second.WrappedDataKey);
        Assert.NotEqual(first.Ciphertext, second.Ciphertext);
    }

    [Fact]
    public void A_row_sealed_under_a_previous_master_key_decrypts_after_rotation()
    {
        var before = Encryption(new KeyVaultOptions { MasterKey = KeyA, MasterKeyId = "2024" });
        var sealedBefore = before.Encrypt("tenant", "slug", "sk-old");

        var after = Encryption(new KeyVaultOptions
        {
            MasterKey = KeyB,
            MasterKeyId = "2025",
            PreviousMasterKeys = new() { ["2024"] = KeyA },
        });
        var sealedAfter = after.Encrypt("tenant", "slug", "sk-new");

        Assert.Equal("sk-old", after.Decrypt("tenant", "slug", sealedBefore));
        Assert.Equal("2025", sealedAfter.MasterKeyId);
        Assert.Equal("sk-new", after.Decrypt("tenant", "slug", sealedAfter));
    }

    [Fact]
    public void A_row_under_an_unconfigured_master_key_names_the_missing_key()
    {
        var before = Encryption(new KeyVaultOptions { MasterKey = KeyA, MasterKeyId = "2024" });
        var sealedBefore = before.Encrypt("tenant", "slug", "sk-old");
        var after = Encryption(new KeyVaultOptions { MasterKey = KeyB, MasterKeyId = "2025" });

        var error = Assert.Throws<UnknownMasterKeyException>(() => after.Decrypt("tenant", "slug", sealedBefore));

        Assert.Equal("2024", error.KeyId);
        Assert.Contains("PreviousMasterKeys", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_same_id_with_a_different_key_fails_authentication()
    {
        var original = Encryption(new KeyVaultOptions { MasterKey = KeyA });
        var impostor = Encryption(new KeyVaultOptions { MasterKey = KeyB });

        var sealedCredential = original.Encrypt("tenant", "slug", "sk");

        Assert.ThrowsAny<CryptographicException>(() => impostor.Decrypt("tenant", "slug", sealedCredential));
    }

    [Theory]
    [InlineData("other-tenant", "slug")]
    [InlineData("tenant", "other-slug")]
    [InlineData("tenant/slug", "")]
    public void A_ciphertext_only_decrypts_for_its_own_tenant_and_slug(string tenantId, string slug)
    {
        var encryption = Encryption(new KeyVaultOptions { MasterKey = KeyA });
        var sealedCredential = encryption.Encrypt("tenant", "slug", "sk");

        Assert.ThrowsAny<CryptographicException>(() => encryption.Decrypt(tenantId, slug, sealedCredential));
    }

    [Fact]
    public void A_wrapped_data_key_relabelled_with_another_master_key_id_fails()
    {
        // Both ids map to the same key bytes, so only the associated data (the id) tells them apart.
        var encryption = Encryption(new KeyVaultOptions
        {
            MasterKey = KeyA,
            MasterKeyId = "current",
            PreviousMasterKeys = new() { ["old"] = KeyA },
        });
        var sealedCredential = encryption.Encrypt("tenant", "slug", "sk");

        Assert.ThrowsAny<CryptographicException>(() =>
            encryption.Decrypt("tenant", "slug", sealedCredential with { MasterKeyId = "old" }));
    }

    [Fact]
    public void Any_flipped_bit_is_detected()
    {
        var encryption = Encryption(new KeyVaultOptions { MasterKey = KeyA });
        var sealedCredential = encryption.Encrypt("tenant", "slug", "sk-secret");

        byte[][] parts = [sealedCredential.WrappedDataKey, sealedCredential.Nonce, sealedCredential.Ciphertext];
        foreach (var part in parts)
        {
            part[^1] ^= 1;
            Assert.ThrowsAny<CryptographicException>(() => encryption.Decrypt("tenant", "slug", sealedCredential));
            part[^1] ^= 1;
        }

        Assert.Equal("sk-secret", encryption.Decrypt("tenant", "slug", sealedCredential));
    }

    private static EnvelopeEncryption Encryption(KeyVaultOptions options) =>
        new(new MasterKeyRing(Options.Create(options)));
}
