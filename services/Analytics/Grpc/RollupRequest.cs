using Gateway.Analytics.Queries;
using Gateway.Contracts.Analytics.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Gateway.Analytics.Grpc;

/// <summary>A validated GetCostRollup request: the time range [Start, End) in UTC and the grouping.</summary>
internal readonly record struct RollupRequest(DateTime Start, DateTime End, RollupGrouping Grouping)
{
    /// <summary>Applies the defaults (end = now, start = end - <paramref name="defaultRange"/>, group by provider
    /// and model) and validates the rest.</summary>
    /// <exception cref="RpcException">INVALID_ARGUMENT, naming the field.</exception>
    public static RollupRequest From(GetCostRollupRequest request, DateTime utcNow, TimeSpan defaultRange)
    {
        var end = request.EndTime is null ? utcNow : ToUtc(request.EndTime, "end_time");
        var start = request.StartTime is null
            ? (end.Ticks > defaultRange.Ticks ? end - defaultRange : DateTime.MinValue.ToUniversalTime())
            : ToUtc(request.StartTime, "start_time");
        if (start >= end)
        {
            throw Invalid("start_time must be before end_time.");
        }

        return new RollupRequest(start, end, ParseGrouping(request));
    }

    private static RollupGrouping ParseGrouping(GetCostRollupRequest request)
    {
        RollupGrouping grouping = 0;
        foreach (var groupBy in request.GroupBy)
        {
            grouping |= groupBy switch
            {
                GroupBy.Unspecified => 0,
                GroupBy.Provider => RollupGrouping.Provider,
                GroupBy.Model => RollupGrouping.Model,
                _ => throw Invalid($"group_by value {(int)groupBy} is not supported."),
            };
        }

        return grouping == 0 ? RollupGrouping.ProviderAndModel : grouping;
    }

    private static DateTime ToUtc(Timestamp timestamp, string field)
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

    private static RpcException Invalid(string message) => new(new Status(StatusCode.InvalidArgument, message));
}
