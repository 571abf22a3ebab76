namespace Gateway.Analytics.Rollups;

/// <summary>When the roller starts its next pass (see <see cref="RollupOptions.MinInterval"/>).</summary>
internal static class RollupPacing
{
    /// <summary>Null after a full chunk (more may be waiting: go on at once). Otherwise the time left of the minimum
    /// interval since the pass started (zero when the pass itself took longer), after which the roller also waits
    /// for an ingest signal or the poll interval.</summary>
    public static TimeSpan? RestBeforeNextPass(int? moved, TimeSpan passDuration, RollupOptions options)
    {
        if (moved is { } count && count >= options.ChunkSize)
        {
            return null;
        }

        var rest = options.MinInterval - passDuration;
        return rest > TimeSpan.Zero ? rest : TimeSpan.Zero;
    }
}
