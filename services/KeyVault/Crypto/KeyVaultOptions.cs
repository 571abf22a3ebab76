namespace Gateway.KeyVault.Crypto;

/// <summary>The master keys that wrap every virtual key's data key. Validated at start by
/// <see cref="KeyVaultOptionsValidator"/>.</summary>
public sealed record KeyVaultOptions
{
    public const string SectionName = "KeyVault";

    /// <summary>Base64 of 32 random bytes (e.g. <c>openssl rand -base64 32</c>); encrypts every new virtual key.</summary>
    public string MasterKey { get; init; } = "";

    /// <summary>Stored with each row, so a row always names the key that can decrypt it.</summary>
    public string MasterKeyId { get; init; } = "primary";

    /// <summary>Retired master keys (id -> base64) that still decrypt rows written before a rotation.</summary>
    public Dictionary<string, string> PreviousMasterKeys { get; init; } = [];
}
