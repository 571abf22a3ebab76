using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;
using KeyVaultClient = Gateway.Contracts.KeyVault.V1.KeyVault.KeyVaultClient;
using ResolveApiKeyRequest = Gateway.Contracts.KeyVault.V1.ResolveApiKeyRequest;

namespace Gateway.Analytics.Authorization;

/// <summary>Gateway key -> tenant, through KeyVault's internal ResolveApiKey RPC. Successful resolutions are cached
/// briefly in memory under a hash of the key (the key itself is never kept); failures are not cached.</summary>
internal sealed partial class ApiKeyResolver(KeyVaultClient keyVault, IMemoryCache cache, IOptions<AnalyticsOptions> options,
    ILogger<ApiKeyResolver> logger)
{
    private static readonly TimeSpan KeyVaultDeadline = TimeSpan.FromSeconds(5);

    /// <exception cref="RpcException">UNAUTHENTICATED for an unknown, revoked or expired key; UNAVAILABLE when
    /// KeyVault cannot answer.</exception>
    public async Task<string> ResolveTenantAsync(string apiKey, CancellationToken cancellationToken)
    {
        var cacheKey = new CacheKey(Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(apiKey))));
        if (cache.TryGetValue(cacheKey, out string? cachedTenant) && cachedTenant is not null)
        {
            return cachedTenant;
        }

        string tenantId;
        try
        {
            var response = await keyVault.ResolveApiKeyAsync(new ResolveApiKeyRequest { ApiKey = apiKey },
                deadline: DateTime.UtcNow + KeyVaultDeadline, cancellationToken: cancellationToken);
            tenantId = response.TenantId;
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.Unauthenticated or StatusCode.NotFound or StatusCode.InvalidArgument)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "Unknown, revoked or expired gateway key."));
        }
        catch (RpcException ex)
        {
            LogKeyVaultFailed(logger, ex.StatusCode);
            throw new RpcException(new Status(StatusCode.Unavailable, "The gateway key cannot be verified right now; retry later."));
        }

        cache.Set(cacheKey, tenantId, options.Value.ApiKeyCacheTtl);
        return tenantId;
    }

    /// <summary>A cache key type of its own, so entries cannot collide with other users of the shared cache.</summary>
    private readonly record struct CacheKey(string KeyHash);

    [LoggerMessage(Level = LogLevel.Warning, Message = "KeyVault could not resolve a gateway key: {StatusCode}")]
    private static partial void LogKeyVaultFailed(ILogger logger, StatusCode statusCode);
}
