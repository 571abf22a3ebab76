using System.ComponentModel.DataAnnotations;

namespace Gateway.Edge.Routing;

/// <summary>Retry back-off, circuit breakers and the inline config cache of the routing engine (section
/// <c>Edge:Routing</c>).</summary>
public sealed record RoutingOptions
{
    public const string SectionName = "Edge:Routing";

    /// <summary>The first retry waits up to this long (full jitter); each further retry doubles it up to <see cref="BackoffCap"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromMilliseconds(200);

    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan BackoffCap { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Consecutive failures of one target that open its breaker.</summary>
    [Range(1, 1000)]
    public int BreakerFailureThreshold { get; init; } = 5;

    /// <summary>How long an open breaker rejects before it lets one probe through.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "01:00:00")]
    public TimeSpan BreakerCoolDown { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Parsed inline configs kept, keyed by the header's text (clients repeat the same few).</summary>
    [Range(1, 100_000)]
    public int InlineConfigCacheEntries { get; init; } = 1000;

    /// <summary>Largest provider error body held while a fallback target is tried (the last one is relayed).</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxBufferedErrorBytes { get; init; } = 256 * 1024;
}
