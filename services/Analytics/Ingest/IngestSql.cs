namespace Gateway.Analytics.Ingest;

/// <summary>The text of the one ingest statement: insert the batch (skipping stored ids), then upsert exactly the
/// inserted rows into every rollup table (migrations 0002 and 0003). Built once from a table list, so each rollup's
/// grouping and its conflict target cannot drift apart.</summary>
internal static class IngestSql
{
    private const string Hour = "date_trunc('hour', started_at, 'UTC')";
    private const string Day = "date_trunc('day', started_at, 'UTC')";
    private const string Bucket = "analytics_latency_bucket(latency_us)";
    private const string AllDimensions = "provider, model, requester, api_key_id, virtual_key_id";

    private static readonly string[] SumColumns =
    [
        "requests", "errors", "cache_hits", "input_tokens", "cached_input_tokens", "cache_write_tokens", "output_tokens",
        "reasoning_tokens", "cost_usd", "saved_cost_usd", "latency_sum_us",
    ];

    private const string Sums = """
        count(*), count(*) FILTER (WHERE status_code >= 400), count(*) FILTER (WHERE cache_status = 'HIT'),
                   sum(input_tokens)::bigint, sum(cached_input_tokens)::bigint, sum(cache_write_tokens)::bigint,
                   sum(output_tokens)::bigint, sum(reasoning_tokens)::bigint, sum(cost_usd), sum(saved_cost_usd),
                   sum(latency_us)::bigint
        """;

    /// <summary>Each rollup: table, its time column and the expression that fills it, the dimension columns, and
    /// whether it is a latency histogram (one row per bucket) or sums.</summary>
    private static readonly (string Table, string TimeColumn, string TimeExpression, string Dimensions, bool Latency)[] Rollups =
    [
        ("usage_rollup_hourly", "hour", Hour, AllDimensions, false),
        ("usage_rollup_latency_hourly", "hour", Hour, AllDimensions, true),
        ("usage_rollup_model_hourly", "hour", Hour, "provider, model", false),
        ("usage_rollup_model_latency_hourly", "hour", Hour, "provider, model", true),
        ("usage_rollup_model_daily", "day", Day, "provider, model", false),
        ("usage_rollup_model_latency_daily", "day", Day, "provider, model", true),
        ("usage_rollup_user_daily", "day", Day, "requester", false),
        ("usage_rollup_user_latency_daily", "day", Day, "requester", true),
    ];

    // Rollup rows are upserted in key order, so concurrent batches touching the same rows lock them in the same order
    // (the events themselves arrive sorted by id, see UsageColumns). The grouping reads every inserted row before the
    // first upsert, so a statement holds its event locks before it asks for rollup locks, and every statement (the
    // same text) runs the rollup upserts in the same order: no lock cycle.
    public static readonly string Insert = $"""
        WITH inserted AS (
            INSERT INTO usage_events (
                event_id, tenant_id, api_key_id, virtual_key_id, requester, metadata, provider, model, endpoint, stream,
                status_code, error_type, cache_status, input_tokens, cached_input_tokens, cache_write_tokens,
                output_tokens, reasoning_tokens, tokens_estimated, cost_usd, saved_cost_usd, price_version, priced,
                started_at, latency_us, time_to_first_byte_us, trace_id, attempts)
            SELECT * FROM unnest(
                $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
                $24, $25, $26, $27, $28)
            ON CONFLICT (event_id) DO NOTHING
            RETURNING event_id, tenant_id, started_at, provider, model, requester, api_key_id, virtual_key_id,
                      status_code, cache_status, input_tokens, cached_input_tokens, cache_write_tokens, output_tokens,
                      reasoning_tokens, cost_usd, saved_cost_usd, latency_us){string.Concat(Rollups.Select((r, i) => Upsert(i, r)))}
        SELECT event_id FROM inserted
        """;

    private static string Upsert(int index, (string Table, string TimeColumn, string TimeExpression, string Dimensions, bool Latency) rollup)
    {
        var (table, timeColumn, timeExpression, dimensions, latency) = rollup;
        var key = $"tenant_id, {timeColumn}, {dimensions}" + (latency ? ", bucket" : "");
        var keyCount = key.Split(',').Length;
        var positions = string.Join(", ", Enumerable.Range(1, keyCount));
        var measures = latency ? "requests" : string.Join(", ", SumColumns);
        var select = $"tenant_id, {timeExpression}, {dimensions}, " + (latency ? $"{Bucket}, count(*)" : Sums);
        var updates = latency ? ["requests"] : SumColumns;
        var set = string.Join(",\n            ", updates.Select(column => $"{column} = t.{column} + excluded.{column}"));
        return $"""
            ,
            rollup_{index} AS (
                INSERT INTO {table} AS t ({key}, {measures})
                SELECT {select}
                FROM inserted
                GROUP BY {positions}
                ORDER BY {positions}
                ON CONFLICT ({key}) DO UPDATE SET
                    {set})
            """;
    }
}
