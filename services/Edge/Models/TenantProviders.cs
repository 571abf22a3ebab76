using Gateway.Contracts.KeyVault.V1;
using Gateway.Edge.Auth;
using Gateway.Edge.Errors;
using Gateway.Edge.Options;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Models;

/// <summary>The providers a tenant has virtual keys for (KeyVault <c>ListVirtualKeys</c>, which returns no
/// credentials), cached in-process for <see cref="EdgeOptions.KeyCacheTtl"/>: a new key shows up within that time.</summary>
internal sealed partial class TenantProviders(
    KeyVault.KeyVaultClient keyVault,
    KeyResolutionCache cache,
    IOptions<EdgeOptions> options,
    ILogger<TenantProviders> logger)
{
    private readonly EdgeOptions _options = options.Value;

    /// <summary>Distinct lowercase provider ids, ordered.</summary>
    public async ValueTask<Outcome<string[]>> GetAsync(string tenantId, CancellationToken cancellationToken)
    {
        var cacheKey = string.Concat("providers:", tenantId);
        if (cache.TryGet<string[]>(cacheKey, out var cached) && cached is not null)
        {
            return cached;
        }

        try
        {
            var response = await keyVault.ListVirtualKeysAsync(new ListVirtualKeysRequest { TenantId = tenantId },
                deadline: DateTime.UtcNow + _options.DependencyTimeout, cancellationToken: cancellationToken);
            var providers = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var key in response.VirtualKeys)
            {
                providers.Add(key.Provider.ToLowerInvariant());
            }

            string[] result = [.. providers];
            cache.Set(cacheKey, result, _options.KeyCacheTtl);
            return result;
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogKeyVaultFailed(logger, ex.StatusCode, ex.Status.Detail);
            return GatewayError.DependencyUnavailable("keyvault");
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "KeyVault ListVirtualKeys failed with {StatusCode}: {Detail}")]
    private static partial void LogKeyVaultFailed(ILogger logger, StatusCode statusCode, string detail);
}
