using Gateway.Config.Policies;
using Gateway.Contracts;
using Grpc.Core;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Config.Grpc;

internal static class TenantPolicyMapping
{
    private const int MaxTenantIdLength = 128;

    public static ConfigV1.TenantPolicy ToContract(this TenantPolicy policy)
    {
        var message = new ConfigV1.TenantPolicy
        {
            TenantId = policy.TenantId,
            AllowPrivateHosts = policy.AllowPrivateHosts,
            Limits = policy.Limits.ToContract(),
        };
        message.AllowedCustomHosts.AddRange(policy.AllowedCustomHosts);
        return message;
    }

    private static ConfigV1.TenantPolicyLimits ToContract(this PolicyLimits limits)
    {
        var message = new ConfigV1.TenantPolicyLimits
        {
            DefaultConfigId = limits.DefaultConfigId,
            CacheEnabled = limits.CacheEnabled,
            CacheMaxAgeSeconds = limits.CacheMaxAgeSeconds,
            MonthlyBudgetUsd = limits.MonthlyBudgetUsd is { } budget ? ExactDecimal.ToText(budget) : "",
            RequestsPerMinute = limits.RequestsPerMinute,
            TokensPerMinute = limits.TokensPerMinute,
            KeyRequestsPerMinute = limits.KeyRequestsPerMinute,
            KeyTokensPerMinute = limits.KeyTokensPerMinute,
        };
        message.AllowedProviders.AddRange(limits.AllowedProviders);
        return message;
    }

    /// <summary>Validates the whole request and reports every problem in one INVALID_ARGUMENT.</summary>
    public static TenantPolicy FromContract(ConfigV1.PutTenantPolicyRequest request)
    {
        var tenantId = RequireTenantId(request.TenantId);
        var (patterns, errors) = HostPatterns.Normalise(request.AllowedCustomHosts);
        var limits = PolicyLimitsValidator.Normalise(request.Limits, errors);
        if (errors.Count > 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, string.Join("; ", errors)));
        }

        return new TenantPolicy(tenantId, patterns, request.AllowPrivateHosts, limits);
    }

    public static string RequireTenantId(string tenantId)
    {
        var trimmed = tenantId.Trim();
        return trimmed.Length is > 0 and <= MaxTenantIdLength
            ? trimmed
            : throw new RpcException(new Status(StatusCode.InvalidArgument, $"tenant_id must be 1 to {MaxTenantIdLength} characters."));
    }
}
