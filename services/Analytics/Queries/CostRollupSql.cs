using System.Text;
using System.Text.Json;
using Npgsql;

namespace Gateway.Analytics.Queries;

/// <summary>Builds the two statements that answer a rollup, both returning the finest cells their sources hold rather
/// than grouped answers: the sums (a time, the grouped dimensions and the measures) and the latency histogram cells (a
/// time, the grouped dimensions, a 1-based histogram bucket and a count). <see cref="CostRollupAggregator"/> adds them
/// up into the series points, rows and totals: a daily rollup row already is a finest cell of a daily series, so
/// grouping sets, numeric sums and a sort in the database only repeated work (and were most of the query's time).
/// Whole UTC days come from a daily rollup when one holds the groups and the series is daily or coarser (see
/// <see cref="RollupTables"/>), whole hours from the hourly rollups (the narrow per-model ones when only provider and
/// model matter), and the partial hours at the edges of the range from the request log (a few rows, through the
/// tenant/time index), plus the events still queued for the rollups (usage_rollup_pending) in the part the rollups
/// answer, so any range is exact. A metadata grouping or filter reads the request log for the whole range (metadata is
/// not rolled up). Raw rows are grouped per part in the database (per series bucket and group), rollup rows are sent as
/// they are. Only whitelisted column names are spliced into the text; every value is a parameter.</summary>
internal static class CostRollupSql
{
    /// <summary>The first output column of both statements: the source's time (a rollup's hour or day, or a raw part's
    /// series bucket), NULL without a series. The caller floors it to the series bucket.</summary>
    public const int Time = 0;

    /// <summary>The grouped dimensions follow <see cref="Time"/>, in <see cref="Dimensions"/> order.</summary>
    public const int FirstDimension = 1;

    /// <summary>Measures of the sums statement, after the grouped dimensions.</summary>
    public const int Requests = 0, Errors = 1, CacheHits = 2, InputTokens = 3, CachedInputTokens = 4, CacheWriteTokens = 5,
        OutputTokens = 6, ReasoningTokens = 7, CostUsd = 8, SavedCostUsd = 9, LatencySumUs = 10;

    /// <summary>Measures of the latency statement, after the grouped dimensions: a histogram bucket (1-based) and its
    /// count.</summary>
    public const int LatencyBucket = 0, LatencyCount = 1;

    /// <summary>Every dimension with its column, in the order of the output columns and of the tie-break by name.</summary>
    public static readonly IReadOnlyList<(RollupDimensions Dimension, string Column)> Dimensions =
    [
        (RollupDimensions.Provider, "provider"),
        (RollupDimensions.Model, "model"),
        (RollupDimensions.User, "requester"),
        (RollupDimensions.ApiKey, "api_key_id"),
        (RollupDimensions.VirtualKey, "virtual_key_id"),
        (RollupDimensions.Metadata, "meta"),
    ];

    private const string RawSums = """
        count(*), count(*) FILTER (WHERE status_code >= 400), count(*) FILTER (WHERE cache_status = 'HIT'),
        sum(input_tokens)::bigint, sum(cached_input_tokens)::bigint, sum(cache_write_tokens)::bigint,
        sum(output_tokens)::bigint, sum(reasoning_tokens)::bigint, sum(cost_usd), sum(saved_cost_usd),
        sum(latency_us)::bigint
        """;

    private const string RolledUpSums = """
        requests, errors, cache_hits, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,
        reasoning_tokens, cost_usd, saved_cost_usd, latency_sum_us
        """;

    /// <summary>The number of dimensions the spec groups by (the columns between <see cref="Time"/> and the
    /// measures).</summary>
    public static int GroupedCount(RollupSpec spec)
    {
        var count = 0;
        foreach (var (dimension, _) in Dimensions)
        {
            if (spec.GroupBy.HasFlag(dimension))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>The sums per source cell: a time, the grouped dimensions, then the measures.</summary>
    public static void BuildSums(NpgsqlBatchCommand command, RollupSpec spec) =>
        Build(command, spec, RolledUpSums, RawSums, rawGroupExtra: "");

    /// <summary>The latency histogram cells per source cell, as the sources hold them (a key may repeat across
    /// parts, and within a rollup row's cells: migration 0006): a time, the grouped dimensions, a 1-based histogram
    /// bucket and a count. A rollup row's cells are unnested from its two arrays in the select list, which steps
    /// through arrays of equal length (a table constraint) together; a lateral unnest in FROM materialised each row's
    /// cells and took 3.5 times as long for a by-user month. A daily series by user has about as many cells as
    /// requests, so grouping here would not shrink what is sent.</summary>
    public static void BuildLatency(NpgsqlBatchCommand command, RollupSpec spec) =>
        Build(command, spec, "unnest(latency_buckets), unnest(latency_counts)",
            "analytics_latency_bucket(latency_us) AS bucket, count(*)", rawGroupExtra: ", bucket");

    private static void Build(NpgsqlBatchCommand command, RollupSpec spec, string rolledUpMeasures, string rawMeasures,
        string rawGroupExtra)
    {
        var tables = RollupTables.Choose(spec);
        var parameters = new SqlParameters(command.Parameters);
        var tenant = parameters.Add(spec.TenantId);
        var filter = Filters(spec.Filter, parameters);
        var series = spec.Granularity != RollupGranularity.None;

        // The grouped columns: as output columns of a rollup part and as GROUP BY keys of a raw part, and as the
        // select list of a raw part (where the metadata value is an expression).
        var dimensions = new StringBuilder();
        var rawDimensions = new StringBuilder();
        foreach (var (dimension, column) in Dimensions)
        {
            if (spec.GroupBy.HasFlag(dimension))
            {
                dimensions.Append(", ").Append(column);
                rawDimensions.Append(", ").Append(dimension == RollupDimensions.Metadata
                    ? $"coalesce(metadata ->> {parameters.Add(spec.MetadataKey)}, '') AS meta"
                    : column);
            }
        }

        // Raw rows are grouped per series bucket and group here (a month of the log for a metadata question); their
        // bucket is the series unit's start, so the caller's floor leaves it as it is.
        var rawTime = spec.Granularity switch
        {
            RollupGranularity.None => "NULL::timestamptz",
            RollupGranularity.Hour => "date_trunc('hour', started_at, 'UTC')",
            RollupGranularity.Day => "date_trunc('day', started_at, 'UTC')",
            _ => "date_trunc('month', started_at, 'UTC')",
        };

        var parts = new List<string>();
        void Raw(string table, DateTime from, DateTime to)
        {
            if (from < to)
            {
                parts.Add($"""
                    SELECT {rawTime} AS t{rawDimensions}, {rawMeasures}
                    FROM {table}
                    WHERE tenant_id = {tenant} AND started_at >= {parameters.Add(from)} AND started_at < {parameters.Add(to)}{filter}
                    GROUP BY t{dimensions}{rawGroupExtra}
                    """);
            }
        }

        // A rollup row is sent as it is: its hour or day floors to its series bucket in the caller.
        void Rolled(string table, string timeColumn, DateTime from, DateTime to)
        {
            if (from < to)
            {
                parts.Add($"""
                    SELECT {(series ? timeColumn : "NULL::timestamptz")} AS t{dimensions}, {rolledUpMeasures}
                    FROM {table}
                    WHERE tenant_id = {tenant} AND {timeColumn} >= {parameters.Add(from)} AND {timeColumn} < {parameters.Add(to)}{filter}
                    """);
            }
        }

        if (spec.NeedsRequestLog)
        {
            Raw("usage_events", spec.Start, spec.End);
        }
        else
        {
            // Each part of [Start, End) from the coarsest source that holds it whole, one plain range per branch (an
            // OR of ranges would stop the planner from using the (tenant, time) keys as a range): whole days from a
            // daily rollup when one holds the groups and the series needs no finer bucket than a day, whole hours
            // from the hourly rollup, the minutes at either edge from the log. Empty parts are left out.
            var firstHour = CeilingHour(spec.Start);
            var lastHour = FloorHour(spec.End);
            var firstDay = CeilingDay(spec.Start);
            var lastDay = FloorDay(spec.End);
            if (firstHour >= lastHour)
            {
                Raw("usage_events", spec.Start, spec.End);
            }
            else
            {
                Raw("usage_events", spec.Start, firstHour);
                if (tables.Daily is not null && spec.Granularity != RollupGranularity.Hour && firstDay < lastDay)
                {
                    Rolled(tables.Hourly, "hour", firstHour, firstDay);
                    Rolled(tables.Daily, "day", firstDay, lastDay);
                    Rolled(tables.Hourly, "hour", lastDay, lastHour);
                }
                else
                {
                    Rolled(tables.Hourly, "hour", firstHour, lastHour);
                }

                // Events the roller has not moved into the rollups yet, as raw rows: the same statement (one
                // snapshot) sees each event either here or in a rollup, never both, never neither.
                Raw("usage_rollup_pending", firstHour, lastHour);
                Raw("usage_events", lastHour, spec.End);
            }
        }

        command.CommandText = string.Join("\nUNION ALL\n", parts);
    }

    /// <summary>The filter as " AND ..." conditions on columns all sources share.</summary>
    public static string Filters(RollupFilter filter, SqlParameters parameters)
    {
        var sql = new StringBuilder();
        void AnyOf(string column, IReadOnlyList<string> values)
        {
            if (values.Count > 0)
            {
                sql.Append(" AND ").Append(column).Append(" = ANY(").Append(parameters.Text(values)).Append(')');
            }
        }

        AnyOf("provider", filter.Providers);
        AnyOf("model", filter.Models);
        AnyOf("requester", filter.Users);
        AnyOf("api_key_id", filter.ApiKeyIds);
        AnyOf("virtual_key_id", filter.VirtualKeyIds);
        if (filter.Metadata.Count > 0)
        {
            sql.Append(" AND metadata @> ").Append(parameters.Jsonb(MetadataJson(filter.Metadata)));
        }

        return sql.ToString();
    }

    /// <summary>A metadata filter as the jsonb object that stored metadata must contain.</summary>
    public static string MetadataJson(IReadOnlyDictionary<string, string> metadata) =>
        JsonSerializer.Serialize(metadata, QueryJsonContext.Default.IReadOnlyDictionaryStringString);

    private static DateTime FloorHour(DateTime value) => Floor(value, TimeSpan.TicksPerHour);

    private static DateTime CeilingHour(DateTime value) => Ceiling(value, TimeSpan.TicksPerHour);

    private static DateTime FloorDay(DateTime value) => Floor(value, TimeSpan.TicksPerDay);

    private static DateTime CeilingDay(DateTime value) => Ceiling(value, TimeSpan.TicksPerDay);

    private static DateTime Floor(DateTime value, long unitTicks) => new(value.Ticks - value.Ticks % unitTicks, DateTimeKind.Utc);

    private static DateTime Ceiling(DateTime value, long unitTicks)
    {
        var floor = Floor(value, unitTicks);
        if (floor == value)
        {
            return floor;
        }

        // In the last unit of year 9999: no whole unit follows, so the rest of the range is read from finer sources.
        return floor.Ticks > DateTime.MaxValue.Ticks - unitTicks
            ? DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc)
            : floor.AddTicks(unitTicks);
    }
}
