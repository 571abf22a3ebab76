using Gateway.Contracts;
using Gateway.Contracts.Analytics.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Gateway.Analytics.Grpc;

internal sealed partial class AnalyticsQueryService
{
    private const int DefaultTop = 5;
    private const int MaxTop = 100;

    public override async Task<TenantSummary> GetTenantSummary(GetTenantSummaryRequest request, ServerCallContext context)
    {
        var tenantId = await authorizer.AuthorizeTenantAsync(context, request.TenantId);
        var top = request.Top switch
        {
            0 => DefaultTop,
            < 0 or > MaxTop => throw RollupRequest.Invalid($"top must be between 1 and {MaxTop}."),
            _ => request.Top,
        };
        var now = time.GetUtcNow().UtcDateTime;
        var monthStart = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc);

        // The budget comes from Config, the usage from the database: ask both at once.
        var budgetTask = budgets.ReadAsync(tenantId, context.CancellationToken);
        var (summary, spend) = await QueryAsync(() => summaries.RunAsync(tenantId, monthStart, top, context.CancellationToken));
        var budget = await budgetTask;

        summary.MonthStart = Timestamp.FromDateTime(monthStart);
        summary.BudgetUnavailable = !budget.Available;
        if (budget.MonthlyBudgetUsd is { } monthly)
        {
            summary.MonthlyBudgetUsd = ExactDecimal.ToText(monthly);
            summary.BudgetLeftUsd = ExactDecimal.ToText(monthly - spend);
        }

        return summary;
    }
}
