namespace Gateway.KeyVault.ApiKeys;

/// <summary>An API key as it may be shown: never the secret or its hash.</summary>
internal sealed record ApiKeyRecord(Guid Id, string TenantId, string Name, string Prefix, DateTime CreatedAt);

/// <summary>What a valid presented key identifies.</summary>
internal sealed record ResolvedApiKey(Guid Id, string TenantId, string Name);
