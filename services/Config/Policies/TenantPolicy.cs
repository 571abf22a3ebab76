namespace Gateway.Config.Policies;

/// <summary>What one tenant may do beyond the defaults.</summary>
/// <param name="AllowedCustomHosts">Lowercase host patterns: an exact host or <c>*.suffix</c>.</param>
/// <param name="AllowPrivateHosts">Custom hosts may resolve to loopback/private/link-local addresses.</param>
/// <param name="Limits">Routing and cache defaults, budget and rate limits.</param>
internal sealed record TenantPolicy(string TenantId, IReadOnlyList<string> AllowedCustomHosts, bool AllowPrivateHosts, PolicyLimits Limits)
{
    public static TenantPolicy Default(string tenantId) => new(tenantId, [], false, PolicyLimits.None);
}

/// <summary>The validated limits of a policy. Zero, null or empty means "no restriction".</summary>
/// <param name="AllowedProviders">Lowercase provider ids, without duplicates; empty allows every provider.</param>
/// <param name="DefaultConfigId">Routing config of requests that name none; empty for none.</param>
/// <param name="MonthlyBudgetUsd">Spend per calendar month (UTC); null for no budget.</param>
internal sealed record PolicyLimits(
    IReadOnlyList<string> AllowedProviders,
    string DefaultConfigId,
    bool CacheEnabled,
    long CacheMaxAgeSeconds,
    decimal? MonthlyBudgetUsd,
    int RequestsPerMinute,
    long TokensPerMinute,
    int KeyRequestsPerMinute,
    long KeyTokensPerMinute)
{
    public static readonly PolicyLimits None = new([], "", false, 0, null, 0, 0, 0, 0);
}
