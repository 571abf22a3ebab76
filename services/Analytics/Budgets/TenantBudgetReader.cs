using Gateway.Contracts;
using Grpc.Core;
using ConfigClient = Gateway.Contracts.Config.V1.Config.ConfigClient;
using GetTenantPolicyRequest = Gateway.Contracts.Config.V1.GetTenantPolicyRequest;

namespace Gateway.Analytics.Budgets;

/// <summary>A tenant's monthly budget as its policy in Config sets it: null when there is none (empty or zero means
/// none); <see cref="Available"/> false when Config could not be asked.</summary>
internal readonly record struct TenantBudget(decimal? MonthlyBudgetUsd, bool Available);

/// <summary>Reads a tenant's budget from Config's GetTenantPolicy. A summary must not fail because Config is down,
/// so every failure becomes "unavailable" (logged) instead of an error.</summary>
internal sealed partial class TenantBudgetReader(ConfigClient config, ILogger<TenantBudgetReader> logger)
{
    private static readonly TimeSpan ConfigDeadline = TimeSpan.FromSeconds(3);

    public async Task<TenantBudget> ReadAsync(string tenantId, CancellationToken cancellationToken)
    {
        try
        {
            var policy = await config.GetTenantPolicyAsync(new GetTenantPolicyRequest { TenantId = tenantId },
                deadline: DateTime.UtcNow + ConfigDeadline, cancellationToken: cancellationToken);
            var text = policy.Limits?.MonthlyBudgetUsd ?? "";
            if (!ExactDecimal.TryParse(text, out var budget))
            {
                LogUnreadableBudget(logger, tenantId);
                return new TenantBudget(null, Available: false);
            }

            return new TenantBudget(budget > 0 ? budget : null, Available: true);
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogConfigFailed(logger, ex.StatusCode);
            return new TenantBudget(null, Available: false);
        }
        catch (InvalidOperationException ex)
        {
            // Service discovery found no address for "config" (not configured in this deployment).
            LogConfigNotConfigured(logger, ex.Message);
            return new TenantBudget(null, Available: false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Config could not return the tenant policy: {StatusCode}; summary without budget")]
    private static partial void LogConfigFailed(ILogger logger, StatusCode statusCode);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Config is not reachable: {Reason}; summary without budget")]
    private static partial void LogConfigNotConfigured(ILogger logger, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The monthly budget of tenant {TenantId} is not an exact decimal; summary without budget")]
    private static partial void LogUnreadableBudget(ILogger logger, string tenantId);
}
