using System.ComponentModel.DataAnnotations;

namespace Gateway.Cache;

/// <summary>Limits of the cache service (section "Cache").</summary>
internal sealed record CacheOptions
{
    public const string SectionName = "Cache";

    /// <summary>Largest value a Put may store; bigger answers are simply not cached by the Edge.</summary>
    [Range(1, 64 * 1024 * 1024)]
    public int MaxEntryBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>How long one Redis call may take before the service answers UNAVAILABLE. Short, because the Edge
    /// treats UNAVAILABLE as a miss: a slow cache must never be slower than no cache.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:30")]
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long one round trip of an admin purge (a SCAN page or its pipelined UNLINKs) may take. Longer
    /// than <see cref="OperationTimeout"/>: nothing waits on a purge's answer on the request path, and giving up
    /// half-way under load would only make the operator retry it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan PurgeRoundTripTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
