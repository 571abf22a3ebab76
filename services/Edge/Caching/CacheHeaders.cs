namespace Gateway.Edge.Caching;

/// <summary>The cache headers of the contract (canonical first, then the aliases other gateways' clients send).</summary>
internal static class CacheHeaders
{
    /// <summary>Request: <c>true | refresh | false</c>. Response: <c>HIT | MISS | REFRESH</c>.</summary>
    public const string Cache = "x-gateway-cache";

    /// <summary>Alias of <see cref="Cache"/>; echoed on the response when the client used it.</summary>
    public const string MetrionCache = "x-metrion-cache";
    public const string ForceRefresh = "x-gateway-cache-force-refresh";
    public const string PortkeyForceRefresh = "x-portkey-cache-force-refresh";
    public const string Namespace = "x-gateway-cache-namespace";
    public const string PortkeyNamespace = "x-portkey-cache-namespace";
}
