using Gateway.Analytics.Authorization;
using Gateway.Analytics.Budgets;
using Gateway.Analytics.Ingest;
using Gateway.Analytics.Live;
using Gateway.Analytics.Queries;
using Gateway.Contracts.Analytics.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using AnalyticsContract = Gateway.Contracts.Analytics.V1.Analytics;

namespace Gateway.Analytics.Grpc;

/// <summary>The query API (gateway.analytics.v1.Analytics). Every RPC first asks <see cref="TenantAuthorizer"/>
/// which tenant it may read, so an unauthenticated caller learns nothing about what a valid request looks like.</summary>
internal sealed partial class AnalyticsQueryService(
    TenantAuthorizer authorizer,
    CostRollupQuery costRollups,
    RequestLogQuery requestLog,
    TenantSummaryQuery summaries,
    TenantBudgetReader budgets,
    UsageBroadcaster broadcaster,
    IHostApplicationLifetime lifetime,
    IOptions<AnalyticsOptions> options,
    TimeProvider time,
    ILogger<AnalyticsQueryService> logger)
    : AnalyticsContract.AnalyticsBase
{
    public override async Task<GetCostRollupResponse> GetCostRollup(GetCostRollupRequest request, ServerCallContext context)
    {
        var tenantId = await authorizer.AuthorizeTenantAsync(context, request.TenantId);
        var spec = RollupRequest.From(request, tenantId, time.GetUtcNow().UtcDateTime, options.Value.DefaultRollupRange);
        var rollup = await QueryAsync(() => costRollups.RunAsync(spec, context.CancellationToken));

        var response = new GetCostRollupResponse
        {
            TenantId = tenantId,
            StartTime = Timestamp.FromDateTime(spec.Start),
            EndTime = Timestamp.FromDateTime(spec.End),
            Totals = rollup.Totals,
            Granularity = request.Granularity,
        };
        response.Rows.AddRange(rollup.Rows);
        response.Series.AddRange(rollup.Series);
        return response;
    }

    /// <summary>Runs a database query; a database outage is UNAVAILABLE (retry later), not an internal error.</summary>
    private async Task<T> QueryAsync<T>(Func<Task<T>> query)
    {
        try
        {
            return await query();
        }
        catch (Exception ex) when (DatabaseFailure.IsTransient(ex))
        {
            LogDatabaseFailure(logger, ex.GetType().Name, ex.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, "The analytics database is unavailable; retry later."));
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Analytics query failed: database failure {ErrorType}: {Reason}")]
    private static partial void LogDatabaseFailure(ILogger logger, string errorType, string reason);
}
