using System.Text;
using System.Text.Json;
using Npgsql;

namespace Gateway.Analytics.Queries;

/// <summary>Builds the two statements that answer a rollup: the sums (rows, series and totals from one GROUPING SETS
/// query) and the latency histogram cells of the same groups (for the percentiles). Whole hours come from the hourly
/// rollup tables (the narrow per-model ones when only provider and model matter); the partial hours at the edges of
/// the range come from the request log (a few rows, through the tenant/time index), so any range is exact. A metadata
/// grouping or filter reads the request log for the whole range (metadata is not rolled up). Only whitelisted column
/// names are spliced into the text; every value is a parameter.</summary>
internal static class CostRollupSql
{
    /// <summary>Leading output columns of both statements, by position.</summary>
    public const int Bucket = 0, Provider = 1, Model = 2, User = 3, ApiKey = 4, VirtualKey = 5, MetadataValue = 6, Kind = 7;

    /// <summary>Measures of the sums statement.</summary>
    public const int Requests = 8, Errors = 9, CacheHits = 10, InputTokens = 11, CachedInputTokens = 12, CacheWriteTokens = 13,
        OutputTokens = 14, ReasoningTokens = 15, CostUsd = 16, SavedCostUsd = 17, LatencySumUs = 18;

    /// <summary>Measures of the histogram statement: the latency bucket (1-based) and its request count.</summary>
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
    public static void BuildSums(NpgsqlCommand command, RollupSpec spec) =>
        Build(command, spec, ByModelOnly(spec) ? "usage_rollup_model_hourly" : "usage_rollup_hourly", RolledUpSums, RawSums,
            SumsSelect, extraGroup: null, orderBy: "cost_usd DESC");

    /// <summary>The histogram cells: (bucket, group, latency bucket) -> requests, for the same sets as the sums.</summary>
    public static void BuildLatency(NpgsqlCommand command, RollupSpec spec) =>
        Build(command, spec, ByModelOnly(spec) ? "usage_rollup_model_latency_hourly" : "usage_rollup_latency_hourly",
            "bucket AS latency_bucket, requests",
            "analytics_latency_bucket(latency_us) AS latency_bucket, 1::bigint AS requests",
            "latency_bucket, sum(requests)::bigint", extraGroup: "latency_bucket", orderBy: "latency_bucket");

    /// <summary>True when the question needs no dimension beyond provider and model: the narrow per-model rollups
    /// (far fewer rows) can answer it.</summary>
    private static bool ByModelOnly(RollupSpec spec) =>
        (spec.GroupBy & ~(RollupDimensions.Provider | RollupDimensions.Model)) == 0
        && spec.Filter is { Users.Count: 0, ApiKeyIds.Count: 0, VirtualKeyIds.Count: 0, Metadata.Count: 0 };

    private static void Build(NpgsqlCommand command, RollupSpec spec, string rollupTable, string rolledUpMeasures,
        string rawMeasures, string aggregates, string? extraGroup, string orderBy)
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
            // Whole hours [firstHour, lastHour) from the rollups; the rest of [Start, End) from the log. When the
            // range lies within one hour both raw intervals are the whole range: one scan with OR counts each row once.
            var firstHour = CeilingHour(spec.Start);
            var lastHour = FloorHour(spec.End);
            var rawHeadEnd = firstHour < spec.End ? firstHour : spec.End;
            var rawTailStart = lastHour > spec.Start ? lastHour : spec.Start;
            var rolledUpDimensions = ByModelOnly(spec)
                ? "provider, model, ''::text AS requester, ''::text AS api_key_id, ''::text AS virtual_key_id"
                : RawDimensions;
            source = $"""
                SELECT hour AS t, {rolledUpDimensions}, '' AS meta, {rolledUpMeasures}
                FROM {rollupTable}
                WHERE tenant_id = {tenant} AND hour >= {parameters.Add(firstHour)} AND hour < {parameters.Add(lastHour)}{filter}
                UNION ALL
                SELECT started_at AS t, {RawDimensions}, '' AS meta, {rawMeasures}
                FROM usage_events
                WHERE tenant_id = {tenant}
                  AND ((started_at >= {parameters.Add(spec.Start)} AND started_at < {parameters.Add(rawHeadEnd)})
                       OR (started_at >= {parameters.Add(rawTailStart)} AND started_at < {parameters.Add(spec.End)})){filter}
                """;
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
            ORDER BY kind, {(series ? "b, " : "")}{orderBy}, {groups}
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

    private static DateTime FloorHour(DateTime value) => new(value.Ticks - value.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);

    private static DateTime CeilingHour(DateTime value)
    {
        var floor = FloorHour(value);
        if (floor == value)
        {
            return floor;
        }

        // In the last hour of year 9999: no whole hour follows, so the whole range is read from the log.
        return floor.Ticks > DateTime.MaxValue.Ticks - TimeSpan.TicksPerHour
            ? DateTime.SpecifyKind(DateTime.MaxValue, DateTimeKind.Utc)
            : floor.AddHours(1);
    }
}
