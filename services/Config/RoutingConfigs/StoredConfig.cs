namespace Gateway.Config.RoutingConfigs;

/// <summary>One immutable version of a tenant's routing config; <see cref="Json"/> is canonical.</summary>
internal sealed record StoredConfig(string TenantId, string ConfigId, int Version, string Json, DateTimeOffset CreatedAt, int LatestVersion);

/// <summary>A version in a config's history.</summary>
internal sealed record ConfigVersionInfo(int Version, DateTimeOffset CreatedAt);
