using System.Text;
using System.Text.Json;
using Npgsql;

namespace Gateway.Analytics.Queries;

/// <summary>Builds the two statements that answer a rollup: the sums (rows, series and totals from one GROUPING SETS
/// query) and the latency histogram cells of the same groups (for the percentiles). Whole UTC days come from a daily
/// rollup when one holds the groups and the series is daily or coarser (see <see cref="RollupTables"/>), whole hours
/// from the hourly rollups (the narrow per-model ones when only provider and model matter), and the partial hours at
/// the edges of the range from the request log (a few rows, through the tenant/time index), so any range is exact. A metadata
/// grouping or filter reads the request log for the whole range (metadata is not rolled up). Only whitelisted column
/// names are spliced into the text; every value is a parameter.</summary>
internal static class CostRollupSql
{
    /// <summary>Leading output columns of both statements, by position.</summary>
    public const int Bucket = 0, Provider = 1, Model = 2, User = 3, ApiKey = 4, VirtualKey = 5, MetadataValue = 6, Kind = 7;

    /// <summary>Measures of the sums statement.</summary>
    public const int Requests = 8, Errors = 9, CacheHits = 10, InputTokens = 11, CachedInputTokens = 12, CacheWriteTokens = 13,
        OutputTokens = 14, ReasoningTokens = 15, CostUsd = 16, SavedCostUsd = 17, LatencySumUs = 18;

    /// <summary>Measures of the latency statement: the buckets (1-based) holding p50, p95 and p99.</summary>
    public const int P50Bucket = 8, P95Bucket = 9, P99Bucket = 10;

    /// <summary>Values of the Kind column.</summary>
    public const int SeriesKind = 0, RowKind = 1, TotalsKind = 2;

    private static readonly (RollupDimensions Dimension, string Column)[] Dimensions =
    [
        (RollupDimensions.Provider, "provider"),
        (RollupDimensions.Model, "model"),
        (RollupDimensions.User, "requester"),
        (RollupDimensions.ApiKey, "api_key_id"),
        (RollupDimensions.VirtualKey, "virtual_key_id"),
        (RollupDimensions.Metadata, "meta"),
    ];

    private const string RawDimensions = "provider, model, requester, api_key_id, virtual_key_id";

    private const string RawSums = """
        1::bigint AS requests, (status_code >= 400)::int::bigint AS errors,
        (cache_status = 'HIT')::int::bigint AS cache_hits, input_tokens, cached_input_tokens, cache_write_tokens,
        output_tokens, reasoning_tokens, cost_usd, saved_cost_usd, latency_us AS latency_sum_us
        """;

    private const string RolledUpSums = """
        requests, errors, cache_hits, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,
        reasoning_tokens, cost_usd, saved_cost_usd, latency_sum_us
        """;

    private const string SumsSelect = """
        coalesce(sum(requests), 0)::bigint, coalesce(sum(errors), 0)::bigint, coalesce(sum(cache_hits), 0)::bigint,
        coalesce(sum(input_tokens), 0)::bigint, coalesce(sum(cached_input_tokens), 0)::bigint,
        coalesce(sum(cache_write_tokens), 0)::bigint, coalesce(sum(output_tokens), 0)::bigint,
        coalesce(sum(reasoning_tokens), 0)::bigint, coalesce(sum(cost_usd), 0) AS cost_usd,
        coalesce(sum(saved_cost_usd), 0), coalesce(sum(latency_sum_us), 0)::bigint
        """;

    /// <summary>The sums: one row per series bucket and group, per group, and the totals.</summary>
    public static void BuildSums(NpgsqlCommand command, RollupSpec spec) =>
        Build(command, spec, RollupTables.Sums(spec), RolledUpSums, RawSums, SumsSelect, extraGroup: null,
            orderBy: "cost_usd DESC");

    /// <summary>The latency percentiles of the same sets as the sums: per output row the histogram bucket (1-based)
    /// holding p50, p95 and p99. Computed in the database from the histogram cells, so three numbers per row leave it
    /// instead of every cell (a daily series by user has about as many cells as requests). Nearest rank, as
    /// <see cref="LatencyHistogram.Percentile"/>: the first bucket whose running count reaches ceil(q * n), with q * n
    /// in float8 like the C# double.</summary>
    public static void BuildLatency(NpgsqlCommand command, RollupSpec spec)
    {
        Build(command, spec, RollupTables.Latency(spec), "bucket AS latency_bucket, requests",
            "analytics_latency_bucket(latency_us) AS latency_bucket, 1::bigint AS requests",
            "latency_bucket, sum(requests)::bigint", extraGroup: "latency_bucket", orderBy: null);
        const string Group = "b, provider, model, requester, api_key_id, virtual_key_id, meta, kind";
        command.CommandText = $"""
            WITH cells ({Group}, latency_bucket, n) AS (
            {command.CommandText}
            ), ranked AS (
                SELECT *, (sum(n) OVER (PARTITION BY {Group} ORDER BY latency_bucket))::float8 AS seen,
                       (sum(n) OVER (PARTITION BY {Group}))::float8 AS total
                FROM cells
            )
            SELECT {Group},
                   min(latency_bucket) FILTER (WHERE seen >= ceil(0.50::float8 * total)),
                   min(latency_bucket) FILTER (WHERE seen >= ceil(0.95::float8 * total)),
                   min(latency_bucket) FILTER (WHERE seen >= ceil(0.99::float8 * total))
            FROM ranked
            GROUP BY {Group}
            """;
    }

    private static void Build(NpgsqlCommand command, RollupSpec spec, RollupTables tables, string rolledUpMeasures,
        string rawMeasures, string aggregates, string? extraGroup, string? orderBy)
    {
        var parameters = new SqlParameters(command.Parameters);
        var tenant = parameters.Add(spec.TenantId);
        var filter = Filters(spec.Filter, parameters);
        var bucket = spec.Granularity switch
        {
            RollupGranularity.Hour => "date_trunc('hour', t, 'UTC')",
            RollupGranularity.Day => "date_trunc('day', t, 'UTC')",
            RollupGranularity.Month => "date_trunc('month', t, 'UTC')",
            _ => "NULL::timestamptz",
        };
        var metadataValue = spec.GroupBy.HasFlag(RollupDimensions.Metadata)
            ? $"coalesce(metadata ->> {parameters.Add(spec.MetadataKey)}, '')"
            : "''";

        string source;
        if (spec.NeedsRequestLog)
        {
            source = $"""
                SELECT started_at AS t, {RawDimensions}, {metadataValue} AS meta, {rawMeasures}
                FROM usage_events
                WHERE tenant_id = {tenant} AND started_at >= {parameters.Add(spec.Start)}
                  AND started_at < {parameters.Add(spec.End)}{filter}
                """;
        }
        else
        {
            // Each part of [Start, End) from the coarsest source that holds it whole, one plain range per branch (an
            // OR of ranges would stop the planner from using the (tenant, time) keys as a range): whole days from a
            // daily rollup when one holds the groups and the series needs no finer bucket than a day, whole hours
            // from the hourly rollup, the minutes at either edge from the log. Empty parts are left out.
            var parts = new List<string>();
            void Part(string table, string timeColumn, string dimensions, string measures, DateTime from, DateTime to)
            {
                if (from < to)
                {
                    parts.Add($"""
                        SELECT {timeColumn} AS t, {dimensions}, '' AS meta, {measures}
                        FROM {table}
                        WHERE tenant_id = {tenant} AND {timeColumn} >= {parameters.Add(from)} AND {timeColumn} < {parameters.Add(to)}{filter}
                        """);
                }
            }

            void Raw(DateTime from, DateTime to) => Part("usage_events", "started_at", RawDimensions, rawMeasures, from, to);
            void Hourly(DateTime from, DateTime to) => Part(tables.Hourly, "hour", tables.HourlyDimensions, rolledUpMeasures, from, to);

            var firstHour = CeilingHour(spec.Start);
            var lastHour = FloorHour(spec.End);
            var firstDay = CeilingDay(spec.Start);
            var lastDay = FloorDay(spec.End);
            if (firstHour >= lastHour)
            {
                Raw(spec.Start, spec.End);
            }
            else if (tables.Daily is not null && spec.Granularity != RollupGranularity.Hour && firstDay < lastDay)
            {
                Raw(spec.Start, firstHour);
                Hourly(firstHour, firstDay);
                Part(tables.Daily, "day", tables.DailyDimensions!, rolledUpMeasures, firstDay, lastDay);
                Hourly(lastDay, lastHour);
                Raw(lastHour, spec.End);
            }
            else
            {
                Raw(spec.Start, firstHour);
                Hourly(firstHour, lastHour);
                Raw(lastHour, spec.End);
            }

            source = string.Join("\nUNION ALL\n", parts);
        }

        var groupColumns = new List<string>();
        var select = new StringBuilder();
        foreach (var (dimension, column) in Dimensions)
        {
            var grouped = spec.GroupBy.HasFlag(dimension);
            if (grouped)
            {
                groupColumns.Add(column);
            }

            select.Append(grouped ? column : "''::text").Append(", ");
        }

        var groups = string.Join(", ", groupColumns);
        var extra = extraGroup is null ? "" : ", " + extraGroup;
        var series = spec.Granularity != RollupGranularity.None;
        var groupingSets = (series ? $"(b, {groups}{extra}), " : "") + $"({groups}{extra}), ({extraGroup})";
        var kind = $"CASE WHEN GROUPING({groupColumns[0]}) <> 0 THEN {TotalsKind} "
            + (series ? $"WHEN GROUPING(b) = 0 THEN {SeriesKind} " : "")
            + $"ELSE {RowKind} END";

        command.CommandText = $"""
            WITH src AS (
            {source}
            ), bucketed AS (
                SELECT {bucket} AS b, * FROM src
            )
            SELECT {(series ? "b" : "NULL::timestamptz")}, {select}{kind} AS kind, {aggregates}
            FROM bucketed
            GROUP BY GROUPING SETS ({groupingSets})
            {(orderBy is null ? "" : $"ORDER BY kind, {(series ? "b, " : "")}{orderBy}, {groups}")}
            """;
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
