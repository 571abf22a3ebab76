namespace Gateway.Edge.Auth;

/// <summary>Who is calling: the tenant and gateway key behind a request.</summary>
internal sealed record CallerIdentity(string TenantId, string ApiKeyId);
