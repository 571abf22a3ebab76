using System.ComponentModel.DataAnnotations;

namespace Gateway.Analytics.Rollups;

/// <summary>The background roller (section "Analytics:Rollups"); the defaults suit production.</summary>
internal sealed record RollupOptions
{
    public const string SectionName = "Analytics:Rollups";

    /// <summary>Off only for tests and tools that drive <see cref="PendingRollups"/> themselves: queries stay exact
    /// either way, but the pending table would grow without bound.</summary>
    public bool Enabled { get; init; } = true;

    /// <summary>Most pending rows moved into the rollups per transaction: large enough to compress many events into
    /// each rollup row, small enough to keep one transaction to about a second.</summary>
    [Range(1, 1_000_000)]
    public int ChunkSize { get; init; } = 50_000;

    /// <summary>How long the roller sleeps when the pending table is drained and nothing in this process ingested
    /// (another replica may have). Ingest in this process wakes it at once.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Least time from the start of one pass to the start of the next, unless the pass moved a full chunk
    /// (a backlog drains at full speed). Ingest signals the roller after every batch; without this it would roll up
    /// a few batches at a time, and each small chunk writes nearly one row per event into every rollup table, where
    /// a second's worth compresses the per-model and per-user rollups many times. Queries stay exact meanwhile (they
    /// read the pending rows), so this only trades rollup-table freshness for roller work.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan MinInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Pause after a failed chunk (database down, or another error), so a failing roller does not spin.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan FailureDelay { get; init; } = TimeSpan.FromSeconds(2);
}
