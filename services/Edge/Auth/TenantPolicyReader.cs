using System.Runtime.CompilerServices;
using Gateway.Edge.Errors;
using Gateway.Edge.Options;
using Grpc.Core;
using Microsoft.Extensions.Options;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Edge.Auth;

/// <summary>A tenant's policy from Config, cached in-process (<see cref="EdgeOptions.TenantPolicyCacheTtl"/>): a
/// policy change reaches the Edge within that time (at once through the Watch stream). While Config is down the last
/// known policy stays in force (<see cref="KeyResolutionCache.TryServeStale{T}"/>).</summary>
internal sealed partial class TenantPolicyReader(
    ConfigV1.Config.ConfigClient config,
    KeyResolutionCache cache,
    IOptions<EdgeOptions> options,
    ILogger<TenantPolicyReader> logger)
{
    /// <summary>Each request reads its tenant's policy twice (planning and admission) with the tenant id of its cached
    /// caller: keyed by that string instance, the cache key is built once per resolution rather than on every read.</summary>
    private static readonly ConditionalWeakTable<string, string> CacheKeys = [];

    private readonly EdgeOptions _options = options.Value;

    public async ValueTask<Outcome<TenantPolicy>> GetAsync(string tenantId, CancellationToken cancellationToken)
    {
        var cacheKey = CacheKeys.GetValue(tenantId, KeyResolutionCache.PolicyCacheKey);
        if (cache.TryGet<TenantPolicy>(cacheKey, out var cached) && cached is not null)
        {
            return cached;
        }

        return await LoadAsync(tenantId, cacheKey, cancellationToken);
    }

    /// <summary>Kept apart so the lambda's closure is allocated on a miss only, not on every cached request.</summary>
    private Task<Outcome<TenantPolicy>> LoadAsync(string tenantId, string cacheKey, CancellationToken cancellationToken) =>
        cache.LoadOnceAsync(cacheKey, token => FetchAsync(tenantId, cacheKey, token), cancellationToken);

    private async ValueTask<Outcome<TenantPolicy>> FetchAsync(string tenantId, string cacheKey, CancellationToken cancellationToken)
    {
        try
        {
            var response = await config.GetTenantPolicyAsync(new ConfigV1.GetTenantPolicyRequest { TenantId = tenantId },
                deadline: DateTime.UtcNow + _options.DependencyTimeout, cancellationToken: cancellationToken);
            var policy = FromContract(response);
            cache.Set(cacheKey, policy, _options.TenantPolicyCacheTtl);
            return policy;
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            if (cache.TryServeStale<TenantPolicy>(cacheKey, ex.StatusCode, "config", out var stale))
            {
                return stale;
            }

            // Failing closed: without the policy no custom host is allowed.
            LogConfigFailed(logger, ex.StatusCode, ex.Status.Detail);
            return GatewayError.DependencyUnavailable("config");
        }
    }

    private static TenantPolicy FromContract(ConfigV1.TenantPolicy response)
    {
        var limits = response.Limits ?? new ConfigV1.TenantPolicyLimits();
        return new TenantPolicy(
            [.. response.AllowedCustomHosts],
            response.AllowPrivateHosts,
            [.. limits.AllowedProviders],
            limits.DefaultConfigId is { Length: > 0 } configId ? configId : null,
            limits.CacheEnabled,
            limits.CacheMaxAgeSeconds > 0 ? TimeSpan.FromSeconds(limits.CacheMaxAgeSeconds) : null,
            Contracts.ExactDecimal.TryParse(limits.MonthlyBudgetUsd, out var budget) ? budget : null,
            new RateLimits(limits.RequestsPerMinute, limits.TokensPerMinute),
            new RateLimits(limits.KeyRequestsPerMinute, limits.KeyTokensPerMinute));
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Config GetTenantPolicy failed with {StatusCode}: {Detail}")]
    private static partial void LogConfigFailed(ILogger logger, StatusCode statusCode, string detail);
}
