using System.Buffers;
using Gateway.Contracts.Routing;
using Gateway.Edge.Auth;
using Gateway.Edge.Errors;
using Gateway.Edge.Options;
using Grpc.Core;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Edge.Routing;

/// <summary>A request's routing config, parsed.</summary>
/// <param name="ConfigId">The stored config's id; null for an inline config.</param>
internal sealed record ResolvedConfig(string? ConfigId, RouteNode Root);

/// <summary>Which routing config a request runs: <c>x-gateway-config</c>/<c>x-portkey-config</c> holds inline JSON
/// (starting with '{'; validated with the schema Config stores, parsed configs kept in a small bounded cache) or a
/// config id (fetched from Config, cached in <see cref="KeyResolutionCache"/> under
/// <see cref="KeyResolutionCache.ConfigCacheKey"/> so Config's Watch can evict it, and served stale while Config is down); without the header, the tenant
/// policy's default config, else none.</summary>
internal sealed partial class ConfigResolver(
    ConfigV1.Config.ConfigClient config,
    KeyResolutionCache cache,
    IOptions<EdgeOptions> edgeOptions,
    IOptions<RoutingOptions> routingOptions,
    ILogger<ConfigResolver> logger) : IDisposable
{
    public const string ConfigHeader = "x-gateway-config";
    public const string PortkeyConfigHeader = "x-portkey-config";
    private const int MaxConfigIdLength = 128;
    private const int MaxCachedInlineChars = 8 * 1024;

    private static readonly SearchValues<char> ConfigIdChars =
        SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-");

    private readonly EdgeOptions _edge = edgeOptions.Value;
    private readonly MemoryCache _inline = new(new MemoryCacheOptions { SizeLimit = routingOptions.Value.InlineConfigCacheEntries });

    /// <returns>The config, an error, or neither (no config applies).</returns>
    public async ValueTask<Outcome<ResolvedConfig>> ResolveAsync(CallerIdentity caller, IHeaderDictionary headers, TenantPolicy policy,
        CancellationToken cancellationToken)
    {
        var header = ConfigHeader;
        var value = headers[ConfigHeader].ToString();
        if (value.Length == 0)
        {
            header = PortkeyConfigHeader;
            value = headers[PortkeyConfigHeader].ToString();
        }

        value = value.Trim();
        if (value.Length == 0)
        {
            return policy.DefaultConfigId is { } defaultId
                ? await GetStoredAsync(caller.TenantId, defaultId, cancellationToken)
                : new Outcome<ResolvedConfig>(null, null);
        }

        if (value[0] == '{')
        {
            return caller.Scopes.ConfigIds.Count > 0 ? RoutingErrors.ConfigNotAllowed(null) : ParseInline(header, value);
        }

        if (!ScopeAllows(caller.Scopes.ConfigIds, value))
        {
            return RoutingErrors.ConfigNotAllowed(value);
        }

        return await GetStoredAsync(caller.TenantId, value, cancellationToken);
    }

    private Outcome<ResolvedConfig> ParseInline(string header, string json)
    {
        if (_inline.TryGetValue(json, out ResolvedConfig? cached) && cached is not null)
        {
            return cached;
        }

        var root = RouteConfigParser.TryParse(json, out var errors);
        if (root is null)
        {
            return RoutingErrors.InvalidConfig(header, errors);
        }

        var resolved = new ResolvedConfig(null, root);
        if (json.Length <= MaxCachedInlineChars)
        {
            // Bounded in entries and in size per entry, so the cache stays small whatever clients send.
            _inline.Set(json, resolved, new MemoryCacheEntryOptions { Size = 1, SlidingExpiration = TimeSpan.FromMinutes(10) });
        }

        return resolved;
    }

    private async ValueTask<Outcome<ResolvedConfig>> GetStoredAsync(string tenantId, string configId, CancellationToken cancellationToken)
    {
        if (configId.Length > MaxConfigIdLength || configId.AsSpan().ContainsAnyExcept(ConfigIdChars))
        {
            return RoutingErrors.ConfigNotFound(configId.Length > MaxConfigIdLength ? configId[..MaxConfigIdLength] : configId);
        }

        var cacheKey = KeyResolutionCache.ConfigCacheKey(tenantId, configId);
        if (cache.TryGet<ResolvedConfig?>(cacheKey, out var cached))
        {
            return cached is null ? RoutingErrors.ConfigNotFound(configId) : cached;
        }

        return await LoadAsync(tenantId, configId, cacheKey, cancellationToken);
    }

    /// <summary>Kept apart so the lambda's closure is allocated on a miss only, not on every cached request.</summary>
    private Task<Outcome<ResolvedConfig>> LoadAsync(string tenantId, string configId, string cacheKey, CancellationToken cancellationToken) =>
        cache.LoadOnceAsync(cacheKey, token => FetchAsync(tenantId, configId, cacheKey, token), cancellationToken);

    private async ValueTask<Outcome<ResolvedConfig>> FetchAsync(string tenantId, string configId, string cacheKey, CancellationToken cancellationToken)
    {
        try
        {
            var stored = await config.GetConfigAsync(new ConfigV1.GetConfigRequest { TenantId = tenantId, ConfigId = configId, Version = 0 },
                deadline: DateTime.UtcNow + _edge.DependencyTimeout, cancellationToken: cancellationToken);
            var resolved = new ResolvedConfig(configId, RouteConfigParser.Parse(stored.Json));
            cache.Set<ResolvedConfig?>(cacheKey, resolved, _edge.KeyCacheTtl);
            return resolved;
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound or StatusCode.InvalidArgument)
        {
            cache.Set<ResolvedConfig?>(cacheKey, null, _edge.NegativeKeyCacheTtl);
            return RoutingErrors.ConfigNotFound(configId);
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            if (cache.TryServeStale<ResolvedConfig>(cacheKey, ex.StatusCode, "config", out var stale))
            {
                return stale;
            }

            LogConfigFailed(logger, ex.StatusCode, ex.Status.Detail);
            return GatewayError.DependencyUnavailable("config");
        }
    }

    /// <summary>An empty scope allows everything.</summary>
    public static bool ScopeAllows(IReadOnlyList<string> scope, string value)
    {
        if (scope.Count == 0)
        {
            return true;
        }

        foreach (var allowed in scope)
        {
            if (string.Equals(allowed, value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    public void Dispose() => _inline.Dispose();

    [LoggerMessage(Level = LogLevel.Error, Message = "Config GetConfig failed with {StatusCode}: {Detail}")]
    private static partial void LogConfigFailed(ILogger logger, StatusCode statusCode, string detail);
}
