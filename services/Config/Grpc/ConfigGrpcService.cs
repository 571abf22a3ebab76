using Gateway.Config.Changes;
using Gateway.Config.Policies;
using Gateway.Config.Prices;
using Gateway.Config.RoutingConfigs;
using Gateway.ServiceDefaults.Data.Notifications;
using Gateway.ServiceDefaults.Security;
using Grpc.Core;
using Npgsql;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Config.Grpc;

/// <summary>The Config gRPC API. Callers are other services (internal token) or operators (admin token).</summary>
internal sealed partial class ConfigGrpcService(
    PriceTableStore prices,
    TenantPolicyStore policies,
    RoutingConfigStore configs,
    PriceTableWriter priceWriter,
    PriceOverrideStore priceOverrides,
    NotificationBroadcaster<ChangeNotification> changes,
    CallerTokens tokens,
    IHostApplicationLifetime lifetime,
    ILogger<ConfigGrpcService> logger)
    : ConfigV1.Config.ConfigBase
{
    public override async Task<ConfigV1.PriceTable> GetPrices(ConfigV1.GetPricesRequest request, ServerCallContext context)
    {
        RequireInternalOrAdmin(context);
        try
        {
            var table = await prices.GetActiveAsync(context.CancellationToken)
                ?? throw new RpcException(new Status(StatusCode.FailedPrecondition, "No price table is active."));
            if (request.TenantId.Length == 0)
            {
                return table.ToContract();
            }

            var tenantId = TenantPolicyMapping.RequireTenantId(request.TenantId);
            return table.ToContract(tenantId, await priceOverrides.ListAsync(tenantId, context.CancellationToken));
        }
        catch (NpgsqlException ex) when (ex.IsTransient)
        {
            // A database outage is the server's state, not the caller's mistake: callers keep their cached table.
            LogDatabaseUnavailable(logger, ex.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, "The price store is unavailable; retry later."));
        }
    }

    public override async Task<ConfigV1.TenantPolicy> GetTenantPolicy(ConfigV1.GetTenantPolicyRequest request, ServerCallContext context)
    {
        RequireInternalOrAdmin(context);
        var tenantId = TenantPolicyMapping.RequireTenantId(request.TenantId);
        try
        {
            return (await policies.GetAsync(tenantId, context.CancellationToken)).ToContract();
        }
        catch (NpgsqlException ex) when (ex.IsTransient)
        {
            LogDatabaseUnavailable(logger, ex.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, "The policy store is unavailable; retry later."));
        }
    }

    public override async Task<ConfigV1.TenantPolicy> PutTenantPolicy(ConfigV1.PutTenantPolicyRequest request, ServerCallContext context)
    {
        tokens.RequireAdmin(context);
        var policy = TenantPolicyMapping.FromContract(request);
        try
        {
            await policies.PutAsync(policy, context.CancellationToken);
            LogPolicyChanged(logger, policy.TenantId, policy.AllowedCustomHosts.Count, policy.AllowPrivateHosts);
            return policy.ToContract();
        }
        catch (NpgsqlException ex) when (ex.IsTransient)
        {
            LogDatabaseUnavailable(logger, ex.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, "The policy store is unavailable; retry later."));
        }
    }

    private void RequireInternalOrAdmin(ServerCallContext context)
    {
        if (!tokens.IsAdmin(context))
        {
            tokens.RequireInternal(context);
        }
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Tenant {TenantId} policy set: {HostCount} custom host patterns, private hosts allowed: {AllowPrivateHosts}")]
    private static partial void LogPolicyChanged(ILogger logger, string tenantId, int hostCount, bool allowPrivateHosts);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Config store unavailable: {Reason}")]
    private static partial void LogDatabaseUnavailable(ILogger logger, string reason);
}
