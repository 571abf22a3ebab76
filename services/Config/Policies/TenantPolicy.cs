namespace Gateway.Config.Policies;

/// <summary>What one tenant may do beyond the defaults.</summary>
/// <param name="AllowedCustomHosts">Lowercase host patterns: an exact host or <c>*.suffix</c>.</param>
/// <param name="AllowPrivateHosts">Custom hosts may resolve to loopback/private/link-local addresses.</param>
internal sealed record TenantPolicy(string TenantId, IReadOnlyList<string> AllowedCustomHosts, bool AllowPrivateHosts)
{
    public static TenantPolicy Default(string tenantId) => new(tenantId, [], false);
}
