using System.Text;
using System.Text.Json;
using Npgsql;

namespace Gateway.Analytics.Queries;

/// <summary>Builds the two statements that answer a rollup: the sums (rows, series and totals from one GROUPING SETS
/// query) and the latency histogram cells of the finest groups (for the percentiles). Whole UTC days come from a daily
/// rollup when one holds the groups and the series is daily or coarser (see <see cref="RollupTables"/>), whole hours
/// from the hourly rollups (the narrow per-model ones when only provider and model matter), and the partial hours at
/// the edges of the range from the request log (a few rows, through the tenant/time index), plus the events still
/// queued for the rollups (usage_rollup_pending) in the part the rollups answer, so any range is exact. A metadata
/// grouping or filter reads the request log for the whole range (metadata is not rolled up). Only whitelisted column
/// names are spliced into the text; every value is a parameter.</summary>
internal static class CostRollupSql
{
    /// <summary>Leading output columns of both statements, by position.</summary>
    public const int Bucket = 0, Provider = 1, Model = 2, User = 3, ApiKey = 4, VirtualKey = 5, MetadataValue = 6, Kind = 7;

    /// <summary>Measures of the sums statement.</summary>
    public const int Requests = 8, Errors = 9, CacheHits = 10, InputTokens = 11, CachedInputTokens = 12, CacheWriteTokens = 13,
        OutputTokens = 14, ReasoningTokens = 15, CostUsd = 16, SavedCostUsd = 17, LatencySumUs = 18;

    /// <summary>Measures of the latency statement: a histogram bucket (1-based) and its count.</summary>
    public const int LatencyBucket = 8, LatencyCount = 9;

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
    public static void BuildSums(NpgsqlBatchCommand command, RollupSpec spec) =>
        Build(command, spec, RollupTables.Sums(spec), RolledUpSums, RawSums, SumsSelect, orderBy: "cost_usd DESC");

    /// <summary>The latency histogram cells of the finest groups (per series bucket and group when there is a series,
    /// else per group), as the sources hold them: each row is a group, a 1-based histogram bucket and a count, and a
    /// key may repeat. The caller adds them up into the rows, series points and totals and takes the percentiles
    /// there (<see cref="LatencyHistogram"/>). Grouping sets, a sort on every dimension and two window passes in SQL
    /// were the slowest part of the query: a daily series by user has about as many cells as requests, so no
    /// aggregation here would shrink what is sent.</summary>
    public static void BuildLatency(NpgsqlBatchCommand command, RollupSpec spec) =>
        Build(command, spec, RollupTables.Latency(spec), "bucket AS latency_bucket, requests",
            "analytics_latency_bucket(latency_us) AS latency_bucket, 1::bigint AS requests",
            aggregates: null, orderBy: null);

    /// <summary>With <paramref name="aggregates"/> null, the source rows themselves (no grouping).</summary>
    private static void Build(NpgsqlBatchCommand command, RollupSpec spec, RollupTables tables, string rolledUpMeasures,
        string rawMeasures, string? aggregates, string? orderBy)
    {
        var parameters = new SqlParameters(command.Parameters);
        var tenant = parameters.Add(spec.TenantId);
        var filter = Filters(spec.Filter, parameters);

        // The series bucket of a source row; a rollup whose rows are already the bucket's size needs no date_trunc
        // (it costs a time zone conversion per row). Raw rows pass None as their resolution.
        string Bucket(string column, RollupGranularity resolution) => spec.Granularity switch
        {
            RollupGranularity.None => "NULL::timestamptz",
            var unit when unit == resolution => column,
            RollupGranularity.Hour => $"date_trunc('hour', {column}, 'UTC')",
            RollupGranularity.Day => $"date_trunc('day', {column}, 'UTC')",
            _ => $"date_trunc('month', {column}, 'UTC')",
        };
        var metadataValue = spec.GroupBy.HasFlag(RollupDimensions.Metadata)
            ? $"coalesce(metadata ->> {parameters.Add(spec.MetadataKey)}, '')"
            : "''";

        string source;
        if (spec.NeedsRequestLog)
        {
            source = $"""
                SELECT {Bucket("started_at", RollupGranularity.None)} AS b, {RawDimensions}, {metadataValue} AS meta, {rawMeasures}
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
            void Part(string table, string timeColumn, RollupGranularity resolution, string dimensions, string measures,
                DateTime from, DateTime to)
            {
                if (from < to)
                {
                    parts.Add($"""
                        SELECT {Bucket(timeColumn, resolution)} AS b, {dimensions}, '' AS meta, {measures}
                        FROM {table}
                        WHERE tenant_id = {tenant} AND {timeColumn} >= {parameters.Add(from)} AND {timeColumn} < {parameters.Add(to)}{filter}
                        """);
                }
            }

            void Raw(DateTime from, DateTime to) =>
                Part("usage_events", "started_at", RollupGranularity.None, RawDimensions, rawMeasures, from, to);
            void Hourly(DateTime from, DateTime to) =>
                Part(tables.Hourly, "hour", RollupGranularity.Hour, tables.HourlyDimensions, rolledUpMeasures, from, to);

            var firstHour = CeilingHour(spec.Start);
            var lastHour = FloorHour(spec.End);
            var firstDay = CeilingDay(spec.Start);
            var lastDay = FloorDay(spec.End);
            if (firstHour >= lastHour)
            {
                Raw(spec.Start, spec.End);
            }
            else
            {
                Raw(spec.Start, firstHour);
                if (tables.Daily is not null && spec.Granularity != RollupGranularity.Hour && firstDay < lastDay)
                {
                    Hourly(firstHour, firstDay);
                    Part(tables.Daily, "day", RollupGranularity.Day, tables.DailyDimensions!, rolledUpMeasures, firstDay, lastDay);
                    Hourly(lastDay, lastHour);
                }
                else
                {
                    Hourly(firstHour, lastHour);
                }

                // Events the roller has not moved into the rollups yet, as raw rows: the same statement (one
                // snapshot) sees each event either here or in a rollup, never both, never neither.
                Part("usage_rollup_pending", "started_at", RollupGranularity.None, RawDimensions, rawMeasures, firstHour, lastHour);
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

        var series = spec.Granularity != RollupGranularity.None;
        if (aggregates is null)
        {
            command.CommandText = $"""
                SELECT b, {select}{(series ? SeriesKind : RowKind)} AS kind, latency_bucket, requests
                FROM (
                {source}
                ) AS src
                """;
            return;
        }

        var groups = string.Join(", ", groupColumns);
        var groupingSets = (series ? $"(b, {groups}), " : "") + $"({groups}), ()";
        var kind = $"CASE WHEN GROUPING({groupColumns[0]}) <> 0 THEN {TotalsKind} "
            + (series ? $"WHEN GROUPING(b) = 0 THEN {SeriesKind} " : "")
            + $"ELSE {RowKind} END";
        command.CommandText = $"""
            WITH src AS (
            {source}
            )
            SELECT {(series ? "b" : "NULL::timestamptz")}, {select}{kind} AS kind, {aggregates}
            FROM src
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
