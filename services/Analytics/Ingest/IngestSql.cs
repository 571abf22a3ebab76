namespace Gateway.Analytics.Ingest;

/// <summary>The text of the one ingest statement: insert the batch (skipping stored ids), and queue exactly the
/// inserted rows' rolled-up columns in usage_rollup_pending (migration 0004) for the background roller
/// (<see cref="Rollups.RollupSql"/>). Both inserts are one statement, so an event is either stored and queued or
/// neither; a redelivered event inserts nothing and queues nothing.</summary>
internal static class IngestSql
{
    /// <summary>The columns of usage_rollup_pending: every usage_events column a rollup reads.</summary>
    public const string PendingColumns = """
        tenant_id, started_at, provider, model, requester, api_key_id, virtual_key_id, status_code, cache_status,
        input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_usd,
        saved_cost_usd, latency_us
        """;

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
            RETURNING event_id, {PendingColumns}
        ), pending AS (
            INSERT INTO usage_rollup_pending ({PendingColumns})
            SELECT {PendingColumns} FROM inserted
        )
        SELECT event_id FROM inserted
        """;
}
