namespace Gateway.Edge.Auth;

/// <summary>The parts of a tenant's Config policy the Edge enforces.</summary>
/// <param name="AllowedCustomHosts">Lowercase patterns: an exact host or <c>*.suffix</c>.</param>
internal sealed record TenantPolicy(IReadOnlyList<string> AllowedCustomHosts, bool AllowPrivateHosts);
