using Gateway.Analytics.Ingest;

namespace Gateway.Analytics.Rollups;

/// <summary>The roller's statement: delete a chunk of usage_rollup_pending and upsert exactly the deleted rows into
/// every rollup table (migrations 0002 and 0003), in one statement. Built once from a table list, so each rollup's
/// grouping and its conflict target cannot drift apart.</summary>
internal static class RollupSql
{
    /// <summary>Serialises the rollers of all replicas (transaction-level advisory lock): only one transaction at a
    /// time upserts rollup rows, so two rollers can never deadlock on them. The value is arbitrary but fixed.</summary>
    public const long RollerLockKey = 0x616E_616C_7974_6963; // "analytic"

    public const string TryLock = "SELECT pg_try_advisory_xact_lock($1)";

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

    /// <summary>$1 = the most rows to move. Returns one row: how many were moved. The chunk is the first $1 visible
    /// pending rows in physical (ctid) order, deleted through a TID range scan up to the last one's ctid (the table
    /// has no index). Not "ctid = ANY (array of ctids)": once the statement's generic plan estimated the table as
    /// small, that ran as a sequential scan comparing every row with the whole array, quadratic in the chunk (20 s
    /// for 43,000 rows, past the command timeout, so the chunk rolled back and was retried forever under load).
    /// Sorting by ctid rather than taking the scan's first rows keeps the chunk exact when a synchronized scan starts
    /// mid-table. Rows inserted by transactions that have not committed yet are invisible and stay for the next chunk.
    /// Rollup rows are upserted in key order.</summary>
    public static readonly string Move = $"""
        WITH moved AS (
            DELETE FROM usage_rollup_pending
            WHERE ctid <= coalesce(
                (SELECT ctid FROM usage_rollup_pending ORDER BY ctid OFFSET $1 - 1 LIMIT 1), '(4294967295,0)'::tid)
            RETURNING {IngestSql.PendingColumns}
        ){string.Concat(Rollups.Select((r, i) => Upsert(i, r)))}
        SELECT count(*) FROM moved
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
                FROM moved
                GROUP BY {positions}
                ORDER BY {positions}
                ON CONFLICT ({key}) DO UPDATE SET
                    {set})
            """;
    }
}
