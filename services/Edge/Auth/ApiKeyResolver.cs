using Gateway.Contracts.KeyVault.V1;
using Gateway.Edge.Errors;
using Gateway.Edge.Options;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Auth;

/// <summary>Gateway API key to tenant, through KeyVault, cached in-process (positive and negative answers); while
/// KeyVault is down a known key keeps its last resolution (<see cref="KeyResolutionCache.TryServeStale{T}"/>).</summary>
internal sealed partial class ApiKeyResolver(
    KeyVault.KeyVaultClient keyVault,
    KeyResolutionCache cache,
    IOptions<EdgeOptions> options,
    ILogger<ApiKeyResolver> logger)
{
    /// <summary>Real keys are short; anything longer is rejected without a KeyVault call.</summary>
    private const int MaxKeyLength = 512;

    private readonly EdgeOptions _options = options.Value;

    public async ValueTask<Outcome<CallerIdentity>> ResolveAsync(string apiKey, CancellationToken cancellationToken)
    {
        if (apiKey.Length > MaxKeyLength)
        {
            return GatewayError.InvalidApiKey();
        }

        var cacheKey = KeyResolutionCache.ApiKeyCacheKey(apiKey);
        if (cache.TryGet<CallerIdentity?>(cacheKey, out var cached))
        {
            return cached is null ? GatewayError.InvalidApiKey() : cached;
        }

        return await LoadAsync(apiKey, cacheKey, cancellationToken);
    }

    /// <summary>Kept apart so the lambda's closure is allocated on a miss only, not on every cached request.</summary>
    private Task<Outcome<CallerIdentity>> LoadAsync(string apiKey, string cacheKey, CancellationToken cancellationToken) =>
        cache.LoadOnceAsync(cacheKey, token => FetchAsync(apiKey, cacheKey, token), cancellationToken);

    private async ValueTask<Outcome<CallerIdentity>> FetchAsync(string apiKey, string cacheKey, CancellationToken cancellationToken)
    {
        try
        {
            var response = await keyVault.ResolveApiKeyAsync(new ResolveApiKeyRequest { ApiKey = apiKey },
                deadline: DateTime.UtcNow + _options.DependencyTimeout, cancellationToken: cancellationToken);
            var identity = new CallerIdentity(response.TenantId, response.ApiKeyId) { Scopes = ScopesOf(response.Scopes) };
            cache.Set<CallerIdentity?>(cacheKey, identity, _options.KeyCacheTtl);
            return identity;
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unauthenticated or StatusCode.NotFound or StatusCode.InvalidArgument)
        {
            cache.Set<CallerIdentity?>(cacheKey, null, _options.NegativeKeyCacheTtl);
            return GatewayError.InvalidApiKey();
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            if (cache.TryServeStale<CallerIdentity>(cacheKey, ex.StatusCode, "keyvault", out var stale))
            {
                return stale;
            }

            LogKeyVaultFailed(logger, ex.StatusCode, ex.Status.Detail);
            return GatewayError.DependencyUnavailable("keyvault");
        }
    }

    private static ApiKeyScopes ScopesOf(Contracts.KeyVault.V1.ApiKeyScopes? scopes) =>
        scopes is null || (scopes.Providers.Count == 0 && scopes.Models.Count == 0 && scopes.ConfigIds.Count == 0)
            ? ApiKeyScopes.All
            : new ApiKeyScopes([.. scopes.Providers.Select(p => p.Trim().ToLowerInvariant())], [.. scopes.Models], [.. scopes.ConfigIds]);

    [LoggerMessage(Level = LogLevel.Error, Message = "KeyVault ResolveApiKey failed with {StatusCode}: {Detail}")]
    private static partial void LogKeyVaultFailed(ILogger logger, StatusCode statusCode, string detail);
}
