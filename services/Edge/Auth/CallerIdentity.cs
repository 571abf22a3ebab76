namespace Gateway.Edge.Auth;

/// <summary>Who is calling: the tenant and gateway key behind a request, and what that key may use.</summary>
internal sealed record CallerIdentity(string TenantId, string ApiKeyId)
{
    public ApiKeyScopes Scopes { get; init; } = ApiKeyScopes.All;
}

/// <summary>What a gateway key may use; an empty list allows everything of that kind. Providers are lowercase.</summary>
internal sealed record ApiKeyScopes(IReadOnlyList<string> Providers, IReadOnlyList<string> Models, IReadOnlyList<string> ConfigIds)
{
    public static readonly ApiKeyScopes All = new([], [], []);
}
