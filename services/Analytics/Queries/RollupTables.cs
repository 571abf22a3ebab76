namespace Gateway.Analytics.Queries;

/// <summary>Which rollup tables can answer a rollup question, and how their rows map onto the five dimension columns
/// every source of <see cref="CostRollupSql"/> shares (a dimension a table does not keep reads as ''; the question
/// neither groups nor filters by it, or this table would not have been chosen).</summary>
internal sealed record RollupTables(string Hourly, string HourlyDimensions, string? Daily, string? DailyDimensions)
{
    private const string AllDimensions = "provider, model, requester, api_key_id, virtual_key_id";
    private const string ModelDimensions = "provider, model, ''::text AS requester, ''::text AS api_key_id, ''::text AS virtual_key_id";
    private const string UserDimensions = "''::text AS provider, ''::text AS model, requester, ''::text AS api_key_id, ''::text AS virtual_key_id";

    public static RollupTables Sums(RollupSpec spec) => Choose(spec, latency: "");

    public static RollupTables Latency(RollupSpec spec) => Choose(spec, latency: "latency_");

    private static RollupTables Choose(RollupSpec spec, string latency)
    {
        if (ByModelOnly(spec))
        {
            return new($"usage_rollup_model_{latency}hourly", ModelDimensions, $"usage_rollup_model_{latency}daily", ModelDimensions);
        }

        // Per user there is no narrow hourly table: the edge hours read the all-dimension one.
        return ByUserOnly(spec)
            ? new($"usage_rollup_{latency}hourly", AllDimensions, $"usage_rollup_user_{latency}daily", UserDimensions)
            : new($"usage_rollup_{latency}hourly", AllDimensions, null, null);
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
