using System.ComponentModel.DataAnnotations;

namespace Gateway.Edge.Limits;

/// <summary>Budgets and rate limits in Redis (section <c>Edge:Limits</c>). The limits themselves come from each
/// tenant's Config policy; these are the gateway-wide knobs.</summary>
internal sealed record LimitOptions
{
    public const string SectionName = "Edge:Limits";

    /// <summary>Output tokens assumed for the budget reservation of a request that sets no <c>max_tokens</c>.</summary>
    [Range(1, 10_000_000)]
    public int DefaultOutputTokens { get; init; } = 1024;

    /// <summary>How long a budget reservation lives if it is never settled (the Edge died mid-request). Longer than
    /// the longest request (<c>Edge:UpstreamTimeout</c>, 10 minutes by default), or a slow stream's reservation would
    /// be dropped while it still runs.</summary>
    [Range(typeof(TimeSpan), "00:00:10", "1.00:00:00")]
    public TimeSpan ReservationLifetime { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Prefix of every Redis key this feature writes, so it can share a Redis with the cache.</summary>
    [Required]
    [RegularExpression(@"^[A-Za-z0-9:_\-.]{1,64}$")]
    public string KeyPrefix { get; init; } = "gw:limits:";

    /// <summary>How long one Redis call may take before the request is let through without its limits (fail open).
    /// Short, because it is paid on the request path while Redis is slow.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:30")]
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromMilliseconds(500);
}
