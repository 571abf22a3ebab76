using Gateway.Analytics.Queries;
using Gateway.Contracts.Analytics.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Gateway.Analytics.Grpc;

/// <summary>Validates a GetCostRollup request into a <see cref="RollupSpec"/>.</summary>
internal static class RollupRequest
{
    /// <summary>Applies the defaults (end = now, start = end - <paramref name="defaultRange"/>, group by provider
    /// and model, no series) and validates the rest.</summary>
    /// <exception cref="RpcException">INVALID_ARGUMENT, naming the field.</exception>
    public static RollupSpec From(GetCostRollupRequest request, string tenantId, DateTime utcNow, TimeSpan defaultRange)
    {
        var (start, end) = TimeRange(request.StartTime, request.EndTime, utcNow, defaultRange);
        var groupBy = ParseGrouping(request);
        if (groupBy.HasFlag(RollupDimensions.Metadata) && string.IsNullOrEmpty(request.MetadataKey))
        {
            throw Invalid("metadata_key is required with GROUP_BY_METADATA.");
        }

        var granularity = request.Granularity switch
        {
            Granularity.Unspecified => RollupGranularity.None,
            Granularity.Hour => RollupGranularity.Hour,
            Granularity.Day => RollupGranularity.Day,
            Granularity.Month => RollupGranularity.Month,
            _ => throw Invalid($"granularity value {(int)request.Granularity} is not supported."),
        };
        return new RollupSpec(tenantId, start, end, groupBy, request.MetadataKey, granularity, Filter(request.Filter));
    }

    /// <summary>[start, end) with the defaults applied; start must be before end.</summary>
    public static (DateTime Start, DateTime End) TimeRange(Timestamp? startTime, Timestamp? endTime, DateTime utcNow,
        TimeSpan defaultRange)
    {
        var end = endTime is null ? utcNow : ToUtc(endTime, "end_time");
        var start = startTime is null
            ? (end.Ticks > defaultRange.Ticks ? end - defaultRange : DateTime.MinValue.ToUniversalTime())
            : ToUtc(startTime, "start_time");
        return start < end ? (start, end) : throw Invalid("start_time must be before end_time.");
    }

    public static DateTime ToUtc(Timestamp timestamp, string field)
    {
        try
        {
            return timestamp.ToDateTime();
        }
        catch (InvalidOperationException)
        {
            throw Invalid($"{field} is not a valid timestamp.");
        }
    }

    public static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));

    private static RollupDimensions ParseGrouping(GetCostRollupRequest request)
    {
        var grouping = RollupDimensions.None;
        foreach (var groupBy in request.GroupBy)
        {
            grouping |= groupBy switch
            {
                GroupBy.Unspecified => RollupDimensions.None,
                GroupBy.Provider => RollupDimensions.Provider,
                GroupBy.Model => RollupDimensions.Model,
                GroupBy.User => RollupDimensions.User,
                GroupBy.ApiKey => RollupDimensions.ApiKey,
                GroupBy.VirtualKey => RollupDimensions.VirtualKey,
                GroupBy.Metadata => RollupDimensions.Metadata,
                _ => throw Invalid($"group_by value {(int)groupBy} is not supported."),
            };
        }

        return grouping == RollupDimensions.None ? RollupDimensions.Provider | RollupDimensions.Model : grouping;
    }

    private static RollupFilter Filter(UsageFilter? filter)
    {
        if (filter is null)
        {
            return RollupFilter.None;
        }

        foreach (var key in filter.Metadata.Keys)
        {
            if (key.Length == 0)
            {
                throw Invalid("filter.metadata keys must not be empty.");
            }
        }

        return new RollupFilter([.. filter.Providers], [.. filter.Models], [.. filter.Users], [.. filter.ApiKeyIds],
            [.. filter.VirtualKeyIds], new Dictionary<string, string>(filter.Metadata, StringComparer.Ordinal));
    }
}
