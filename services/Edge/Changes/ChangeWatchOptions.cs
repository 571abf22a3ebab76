using System.ComponentModel.DataAnnotations;

namespace Gateway.Edge.Changes;

/// <summary>The Config and KeyVault watch streams (section <c>ChangeWatch</c>). The cache TTLs stay the backstop for whatever a
/// broken stream misses.</summary>
public sealed record ChangeWatchOptions
{
    public const string SectionName = "Edge:ChangeWatch";

    /// <summary>Off only for tests or an Edge that must not hold a stream open; the TTLs then do all the work.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>First wait before reconnecting a broken stream; doubled on each failure up to <see cref="MaxBackoff"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(250);

    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(30);
}
