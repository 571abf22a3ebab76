namespace Gateway.KeyVault.ApiKeys;

/// <summary>An API key as it may be shown: never the secret or its hash.</summary>
internal sealed record ApiKeyRecord(
    Guid Id, string TenantId, string Name, string Prefix, DateTime CreatedAt, ApiKeyScopeSet Scopes,
    DateTime? ExpiresAt = null, DateTime? RevokedAt = null, DateTime? LastUsedAt = null);

/// <summary>What a valid presented key identifies, with what it may use.</summary>
internal sealed record ResolvedApiKey(Guid Id, string TenantId, string Name, ApiKeyScopeSet Scopes);

/// <summary>Allowed providers, models and config ids; an empty list allows everything of that kind.</summary>
internal sealed record ApiKeyScopeSet(string[] Providers, string[] Models, string[] ConfigIds)
{
    public static ApiKeyScopeSet All { get; } = new([], [], []);
}

/// <summary>A validated request to create a key.</summary>
internal sealed record NewApiKey(string TenantId, string Name, DateTime? ExpiresAt, ApiKeyScopeSet Scopes);
