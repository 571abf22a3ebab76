using Gateway.Analytics.Ingest;

namespace Gateway.Analytics.Rollups;

/// <summary>The roller's statement: delete a chunk of usage_rollup_pending and upsert exactly the deleted rows into
/// every rollup table (migrations 0002, 0003 and 0006), in one statement. Built once from a table list, so each rollup's
/// grouping and its conflict target cannot drift apart.</summary>
internal static class RollupSql
{
    /// <summary>Serialises the rollers of all replicas (transaction-level advisory lock): only one transaction at a
    /// time upserts rollup rows, so two rollers can never deadlock on them. The value is arbitrary but fixed.</summary>
    public const long RollerLockKey = 0x616E_616C_7974_6963; // "analytic"

    public const string TryLock = "SELECT pg_try_advisory_xact_lock($1)";

    private const string Hour = "date_trunc('hour', started_at, 'UTC')";
    private const string Day = "date_trunc('day', started_at, 'UTC')";
    private const string AllDimensions = "provider, model, requester, api_key_id, virtual_key_id";

    /// <summary>The most latency cells a rollup row keeps unmerged (migration 0006: a bucket may repeat). A pass
    /// appends its cells to the stored ones by plain concatenation; past this bound they are merged into one cell per
    /// bucket (at most 82). A merge is a SQL function call per row, which cost more than the row write it saved if
    /// done on every update; a bounded array keeps the row small (well under the TOAST threshold).</summary>
    public const int MaxLatencyCells = 96;

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

    /// <summary>A group's cells from this pass: one per event (count 1), merged when there are more than the bound
    /// (a busy model's hour in a large chunk).</summary>
    private static readonly string NewCells = $"""
        CASE WHEN count(*) > {MaxLatencyCells} THEN analytics_histogram_merged_buckets(array_agg(bucket))
                        ELSE array_agg(bucket) END,
                   CASE WHEN count(*) > {MaxLatencyCells}
                        THEN analytics_histogram_merged_counts(array_agg(bucket), array_fill(1::bigint, ARRAY[count(*)::integer]))
                        ELSE array_fill(1::bigint, ARRAY[count(*)::integer]) END
        """;

    /// <summary>The stored cells followed by this pass's, merged when together they pass the bound. Both columns
    /// take the same branch, so they stay aligned.</summary>
    private static readonly string AppendCells = $"""
        latency_buckets = CASE WHEN cardinality(t.latency_buckets) + cardinality(excluded.latency_buckets) > {MaxLatencyCells}
                        THEN analytics_histogram_merged_buckets(t.latency_buckets || excluded.latency_buckets)
                        ELSE t.latency_buckets || excluded.latency_buckets END,
                    latency_counts = CASE WHEN cardinality(t.latency_buckets) + cardinality(excluded.latency_buckets) > {MaxLatencyCells}
                        THEN analytics_histogram_merged_counts(t.latency_buckets || excluded.latency_buckets,
                                                               t.latency_counts || excluded.latency_counts)
                        ELSE t.latency_counts || excluded.latency_counts END
        """;

    /// <summary>Each rollup (migrations 0002, 0003 and 0006): table, its time column and the expression that fills
    /// it, and the dimension columns. Every row holds its group's sums and latency histogram.</summary>
    private static readonly (string Table, string TimeColumn, string TimeExpression, string Dimensions)[] Rollups =
    [
        ("usage_rollup_hourly", "hour", Hour, AllDimensions),
        ("usage_rollup_model_hourly", "hour", Hour, "provider, model"),
        ("usage_rollup_model_daily", "day", Day, "provider, model"),
        ("usage_rollup_user_daily", "day", Day, "requester"),
    ];

    /// <summary>$1 = the most rows to move. Returns one row: how many were moved. The chunk is the first $1 visible
    /// pending rows in physical (ctid) order, deleted through a TID range scan up to the last one's ctid (the table
    /// has no index). Not "ctid = ANY (array of ctids)": once the statement's generic plan estimated the table as
    /// small, that ran as a sequential scan comparing every row with the whole array, quadratic in the chunk (20 s
    /// for 43,000 rows, past the command timeout, so the chunk rolled back and was retried forever under load).
    /// Sorting by ctid rather than taking the scan's first rows keeps the chunk exact when a synchronized scan starts
    /// mid-table. Rows inserted by transactions that have not committed yet are invisible and stay for the next chunk.
    /// Each event's latency bucket is computed once, as it is deleted. Rollup rows are upserted in key order.</summary>
    public static readonly string Move = $"""
        WITH moved AS (
            DELETE FROM usage_rollup_pending
            WHERE ctid <= coalesce(
                (SELECT ctid FROM usage_rollup_pending ORDER BY ctid OFFSET $1 - 1 LIMIT 1), '(4294967295,0)'::tid)
            RETURNING {IngestSql.PendingColumns}, analytics_latency_bucket(latency_us) AS bucket
        ){string.Concat(Rollups.Select((r, i) => Upsert(i, r)))}
        SELECT count(*) FROM moved
        """;

    private static string Upsert(int index, (string Table, string TimeColumn, string TimeExpression, string Dimensions) rollup)
    {
        var (table, timeColumn, timeExpression, dimensions) = rollup;
        var key = $"tenant_id, {timeColumn}, {dimensions}";
        var positions = string.Join(", ", Enumerable.Range(1, key.Split(',').Length));
        var set = string.Join(",\n            ", SumColumns.Select(column => $"{column} = t.{column} + excluded.{column}"));
        return $"""
            ,
            rollup_{index} AS (
                INSERT INTO {table} AS t ({key}, {string.Join(", ", SumColumns)}, latency_buckets, latency_counts)
                SELECT tenant_id, {timeExpression}, {dimensions}, {Sums}, {NewCells}
                FROM moved
                GROUP BY {positions}
                ORDER BY {positions}
                ON CONFLICT ({key}) DO UPDATE SET
                    {set},
                    {AppendCells})
            """;
    }
}
