namespace Gateway.Edge.Auth;

/// <summary>The parts of a tenant's Config policy the Edge enforces. Zero, null or empty means "no restriction".</summary>
/// <param name="AllowedCustomHosts">Lowercase patterns: an exact host or <c>*.suffix</c>.</param>
/// <param name="AllowedProviders">Lowercase provider ids a request may reach; empty allows every provider.</param>
/// <param name="DefaultConfigId">The routing config of requests that name none.</param>
/// <param name="CacheEnabled">Cache answers unless the request or its config says otherwise.</param>
/// <param name="CacheMaxAge">Retention of entries cached by default; null means the gateway default.</param>
/// <param name="MonthlyBudgetUsd">Spend allowed per calendar month (UTC); null means no budget.</param>
internal sealed record TenantPolicy(
    IReadOnlyList<string> AllowedCustomHosts,
    bool AllowPrivateHosts,
    IReadOnlyList<string> AllowedProviders,
    string? DefaultConfigId,
    bool CacheEnabled,
    TimeSpan? CacheMaxAge,
    decimal? MonthlyBudgetUsd,
    RateLimits TenantLimits,
    RateLimits KeyLimits)
{
    public static readonly TenantPolicy Default = new([], false, [], null, false, null, null, RateLimits.None, RateLimits.None);
}

/// <summary>Requests and tokens (input + output) per minute; 0 means unlimited.</summary>
internal sealed record RateLimits(int RequestsPerMinute, long TokensPerMinute)
{
    public static readonly RateLimits None = new(0, 0);

    public bool IsUnlimited => RequestsPerMinute <= 0 && TokensPerMinute <= 0;
}
