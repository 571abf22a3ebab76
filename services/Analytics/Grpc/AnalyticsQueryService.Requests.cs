using Gateway.Analytics.Queries;
using Gateway.Contracts.Analytics.V1;
using Grpc.Core;

namespace Gateway.Analytics.Grpc;

internal sealed partial class AnalyticsQueryService
{
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 1000;

    public override async Task<ListRequestsResponse> ListRequests(ListRequestsRequest request, ServerCallContext context)
    {
        var tenantId = await authorizer.AuthorizeTenantAsync(context, request.TenantId);
        var filter = ToFilter(request, tenantId);
        var (requests, next) = await QueryAsync(() => requestLog.RunAsync(filter, context.CancellationToken));

        var response = new ListRequestsResponse { NextPageToken = next?.Encode() ?? "" };
        response.Requests.AddRange(requests);
        return response;
    }

    private static RequestLogFilter ToFilter(ListRequestsRequest request, string tenantId)
    {
        DateTime? start = request.StartTime is null ? null : RollupRequest.ToUtc(request.StartTime, "start_time");
        DateTime? end = request.EndTime is null ? null : RollupRequest.ToUtc(request.EndTime, "end_time");
        if (start >= end)
        {
            throw RollupRequest.Invalid("start_time must be before end_time.");
        }

        var pageSize = request.PageSize switch
        {
            < 0 => throw RollupRequest.Invalid("page_size must not be negative."),
            0 => DefaultPageSize,
            > MaxPageSize => MaxPageSize,
            _ => request.PageSize,
        };

        RequestCursor? after = null;
        if (request.PageToken.Length > 0)
        {
            after = RequestCursor.TryDecode(request.PageToken, out var cursor)
                ? cursor
                : throw RollupRequest.Invalid("page_token is not a token from a previous page.");
        }

        foreach (var key in request.Metadata.Keys)
        {
            if (key.Length == 0)
            {
                throw RollupRequest.Invalid("metadata keys must not be empty.");
            }
        }

        return new RequestLogFilter(tenantId, start, end, request.User,
            new Dictionary<string, string>(request.Metadata, StringComparer.Ordinal), request.Model, request.Provider,
            request.StatusCode, request.ErrorsOnly, request.HasCached ? request.Cached : null, request.TraceId, pageSize, after);
    }
}
