namespace Gateway.Analytics.Queries;

/// <summary>Which rollup tables can answer a rollup question: every table chosen keeps each dimension the question
/// groups or filters by, so <see cref="CostRollupSql"/> reads the same column names from all of them. Each row holds
/// its group's sums and latency histogram (migration 0006), so the sums and the latency statements read the same
/// tables.</summary>
internal sealed record RollupTables(string Hourly, string? Daily)
{
    public static RollupTables Choose(RollupSpec spec)
    {
        if (ByModelOnly(spec))
        {
            return new("usage_rollup_model_hourly", "usage_rollup_model_daily");
        }

        // Per user there is no narrow hourly table: the edge hours read the all-dimension one.
        return ByUserOnly(spec)
            ? new("usage_rollup_hourly", "usage_rollup_user_daily")
            : new("usage_rollup_hourly", null);
    }

    /// <summary>No dimension beyond provider and model in the grouping or the filter.</summary>
    private static bool ByModelOnly(RollupSpec spec) =>
        (spec.GroupBy & ~(RollupDimensions.Provider | RollupDimensions.Model)) == 0
        && spec.Filter is { Users.Count: 0, ApiKeyIds.Count: 0, VirtualKeyIds.Count: 0, Metadata.Count: 0 };

    /// <summary>No dimension beyond the user in the grouping or the filter.</summary>
    private static bool ByUserOnly(RollupSpec spec) =>
        (spec.GroupBy & ~RollupDimensions.User) == 0
        && spec.Filter is { Providers.Count: 0, Models.Count: 0, ApiKeyIds.Count: 0, VirtualKeyIds.Count: 0, Metadata.Count: 0 };
}
