using Gateway.Analytics.Authorization;
using Gateway.Analytics.Ingest;
using Gateway.Analytics.Queries;
using Gateway.Contracts.Analytics.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using AnalyticsContract = Gateway.Contracts.Analytics.V1.Analytics;

namespace Gateway.Analytics.Grpc;

/// <summary>The query API (gateway.analytics.v1.Analytics), scoped per tenant by <see cref="TenantAuthorizer"/>.</summary>
internal sealed partial class AnalyticsQueryService(TenantAuthorizer authorizer, CostRollupQuery costRollups,
    IOptions<AnalyticsOptions> options, TimeProvider time, ILogger<AnalyticsQueryService> logger)
    : AnalyticsContract.AnalyticsBase
{
    public override async Task<GetCostRollupResponse> GetCostRollup(GetCostRollupRequest request, ServerCallContext context)
    {
        // Authorise first: an unauthenticated caller learns nothing about what a valid request looks like.
        var tenantId = await authorizer.AuthorizeTenantAsync(context, request.TenantId);
        var query = RollupRequest.From(request, time.GetUtcNow().UtcDateTime, options.Value.DefaultRollupRange);

        CostRollup rollup;
        try
        {
            rollup = await costRollups.RunAsync(tenantId, query.Start, query.End, query.Grouping, context.CancellationToken);
        }
        catch (Exception ex) when (DatabaseFailure.IsTransient(ex))
        {
            LogDatabaseFailure(logger, ex.GetType().Name, ex.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, "The analytics database is unavailable; retry later."));
        }

        var response = new GetCostRollupResponse
        {
            TenantId = tenantId,
            StartTime = Timestamp.FromDateTime(query.Start),
            EndTime = Timestamp.FromDateTime(query.End),
            Totals = rollup.Totals,
        };
        response.Rows.AddRange(rollup.Rows);
        return response;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rollup query failed: database failure {ErrorType}: {Reason}")]
    private static partial void LogDatabaseFailure(ILogger logger, string errorType, string reason);
}
