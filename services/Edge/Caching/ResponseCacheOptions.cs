using System.ComponentModel.DataAnnotations;

namespace Gateway.Edge.Caching;

/// <summary>How the Edge uses the Cache service (section <c>Edge:Cache</c>). The deadlines are short because the
/// cache must never make a request slower than no cache: a late answer is a miss.</summary>
internal sealed record ResponseCacheOptions
{
    public const string SectionName = "Edge:Cache";

    /// <summary>Deadline of a lookup; past it the request goes upstream.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:05")]
    public TimeSpan GetTimeout { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Deadline of a store (off the request path).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:30")]
    public TimeSpan PutTimeout { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Largest entry stored; bigger answers are served but not cached. Keep it at or below the Cache
    /// service's <c>Cache:MaxEntryBytes</c>, which refuses larger ones.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxEntryBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Stores waiting to be sent; when full, new answers are not cached (counted as dropped).</summary>
    [Range(1, 100_000)]
    public int PutQueueCapacity { get; init; } = 1000;

    /// <summary>Stores sent at the same time.</summary>
    [Range(1, 64)]
    public int PutConcurrency { get; init; } = 4;

    /// <summary>How long identical concurrent misses wait for the first one's answer before going upstream
    /// themselves. Long, because waiting costs nothing while a second provider call costs money.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:10:00")]
    public TimeSpan CoalesceWait { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Most entries the in-process hot tier holds (see <see cref="HotEntryCache"/>).</summary>
    [Range(1, 10_000_000)]
    public int HotEntries { get; init; } = 10_000;

    /// <summary>Most bytes (completion bodies) the in-process hot tier holds.</summary>
    [Range(1024L, 16L * 1024 * 1024 * 1024)]
    public long HotBytes { get; init; } = 64L * 1024 * 1024;

    /// <summary>Longest an entry stays in the in-process hot tier (never past its own max-age). Also the bound on how
    /// long a purge of the Cache service can go unseen by this Edge. Zero disables the hot tier.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan HotTtl { get; init; } = TimeSpan.FromSeconds(10);
}
