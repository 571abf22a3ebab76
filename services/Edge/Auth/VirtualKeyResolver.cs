using Gateway.Contracts.KeyVault.V1;
using Gateway.Edge.Errors;
using Gateway.Edge.Options;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Auth;

/// <summary>A tenant's virtual key to its provider credential, through KeyVault, cached in-process (last known good
/// answer while KeyVault is down).</summary>
internal sealed partial class VirtualKeyResolver(
    KeyVault.KeyVaultClient keyVault,
    KeyResolutionCache cache,
    IOptions<EdgeOptions> options,
    ILogger<VirtualKeyResolver> logger)
{
    private const int MaxSlugLength = 256;

    private readonly EdgeOptions _options = options.Value;

    public async ValueTask<Outcome<ProviderTarget>> ResolveAsync(string tenantId, string slug, CancellationToken cancellationToken)
    {
        if (slug.Length > MaxSlugLength)
        {
            return GatewayError.VirtualKeyNotFound();
        }

        var cacheKey = KeyResolutionCache.VirtualKeyCacheKey(tenantId, slug);
        if (cache.TryGet<ProviderTarget?>(cacheKey, out var cached))
        {
            return cached is null ? GatewayError.VirtualKeyNotFound() : cached;
        }

        return await LoadAsync(tenantId, slug, cacheKey, cancellationToken);
    }

    /// <summary>Kept apart so the lambda's closure is allocated on a miss only, not on every cached request.</summary>
    private Task<Outcome<ProviderTarget>> LoadAsync(string tenantId, string slug, string cacheKey, CancellationToken cancellationToken) =>
        cache.LoadOnceAsync(cacheKey, token => FetchAsync(tenantId, slug, cacheKey, token), cancellationToken);

    private async ValueTask<Outcome<ProviderTarget>> FetchAsync(string tenantId, string slug, string cacheKey, CancellationToken cancellationToken)
    {
        try
        {
            var response = await keyVault.ResolveVirtualKeyAsync(new ResolveVirtualKeyRequest { TenantId = tenantId, VirtualKey = slug },
                deadline: DateTime.UtcNow + _options.DependencyTimeout, cancellationToken: cancellationToken);
            var target = new ProviderTarget(response.VirtualKeyId, response.Provider.ToLowerInvariant(), response.Credential,
                response.BaseUrl, new Dictionary<string, string>(response.Extras, StringComparer.OrdinalIgnoreCase));
            cache.Set<ProviderTarget?>(cacheKey, target, _options.KeyCacheTtl);
            return target;
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound or StatusCode.InvalidArgument)
        {
            cache.Set<ProviderTarget?>(cacheKey, null, _options.NegativeKeyCacheTtl);
            return GatewayError.VirtualKeyNotFound();
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            if (cache.TryServeStale<ProviderTarget>(cacheKey, ex.StatusCode, "keyvault", out var stale))
            {
                return stale;
            }

            LogKeyVaultFailed(logger, ex.StatusCode, ex.Status.Detail);
            return GatewayError.DependencyUnavailable("keyvault");
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "KeyVault ResolveVirtualKey failed with {StatusCode}: {Detail}")]
    private static partial void LogKeyVaultFailed(ILogger logger, StatusCode statusCode, string detail);
}
