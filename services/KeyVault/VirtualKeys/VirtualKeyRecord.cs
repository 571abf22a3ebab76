namespace Gateway.KeyVault.VirtualKeys;

/// <summary>A virtual key as it may be shown: everything but the credential.</summary>
internal sealed record VirtualKeyRecord(
    Guid Id, string TenantId, string Slug, string Provider, string? BaseUrl,
    IReadOnlyDictionary<string, string> Extras, string MasterKeyId, DateTime CreatedAt);

/// <summary>What the Edge needs to call the provider, credential in plaintext.</summary>
internal sealed record ResolvedVirtualKey(
    Guid Id, string Provider, string Credential, string? BaseUrl, IReadOnlyDictionary<string, string> Extras);

/// <summary>A validated request to store a virtual key.</summary>
internal sealed record NewVirtualKey(
    string TenantId, string Slug, string Provider, string Credential, string? BaseUrl,
    IReadOnlyDictionary<string, string> Extras);

internal enum VirtualKeyCreateOutcome
{
    Created,
    TenantNotFound,
    SlugTaken,
}
