using Gateway.Analytics.Live;
using Gateway.Contracts.Usage.V1;
using Npgsql;

namespace Gateway.Analytics.Ingest;

/// <summary>The one idempotent ingest path behind both feeds (Dapr subscription and the UsageIngest RPC): validates
/// the whole batch, then in ONE statement (one transaction) inserts the events, skipping ids already stored, and adds
/// exactly the rows it inserted to the hourly rollups. The statement commits before this returns, so nothing is
/// acknowledged before it is durable; a redelivered or concurrently duplicated event is counted once, in the log and
/// in the rollups, because event_id is the primary key and only RETURNING rows are rolled up.</summary>
internal sealed class UsageIngestor(NpgsqlDataSource dataSource, UsageBroadcaster broadcaster)
{
    // Rollup rows are upserted in key order, so concurrent batches touching the same rows lock them in the same order
    // (the events themselves arrive sorted by id, see UsageColumns). The grouping reads every inserted row before the
    // first upsert, so a statement holds its event locks before it asks for rollup locks, and every statement (the
    // same text) runs the rollup upserts in the same order: no lock cycle. Four rollup tables: sums and latency
    // histogram per hour and every dimension, and the same per hour and model only (see migration 0002).
    private const string InsertSql = """
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
                      reasoning_tokens, cost_usd, saved_cost_usd, latency_us),
        rolled_up AS (
            INSERT INTO usage_rollup_hourly AS r (
                tenant_id, hour, provider, model, requester, api_key_id, virtual_key_id, requests, errors, cache_hits,
                input_tokens, cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_usd,
                saved_cost_usd, latency_sum_us)
            SELECT tenant_id, date_trunc('hour', started_at, 'UTC'), provider, model, requester, api_key_id, virtual_key_id,
                   count(*), count(*) FILTER (WHERE status_code >= 400), count(*) FILTER (WHERE cache_status = 'HIT'),
                   sum(input_tokens)::bigint, sum(cached_input_tokens)::bigint, sum(cache_write_tokens)::bigint,
                   sum(output_tokens)::bigint, sum(reasoning_tokens)::bigint, sum(cost_usd), sum(saved_cost_usd),
                   sum(latency_us)::bigint
            FROM inserted
            GROUP BY 1, 2, 3, 4, 5, 6, 7
            ORDER BY 1, 2, 3, 4, 5, 6, 7
            ON CONFLICT (tenant_id, hour, provider, model, requester, api_key_id, virtual_key_id) DO UPDATE SET
                requests = r.requests + excluded.requests,
                errors = r.errors + excluded.errors,
                cache_hits = r.cache_hits + excluded.cache_hits,
                input_tokens = r.input_tokens + excluded.input_tokens,
                cached_input_tokens = r.cached_input_tokens + excluded.cached_input_tokens,
                cache_write_tokens = r.cache_write_tokens + excluded.cache_write_tokens,
                output_tokens = r.output_tokens + excluded.output_tokens,
                reasoning_tokens = r.reasoning_tokens + excluded.reasoning_tokens,
                cost_usd = r.cost_usd + excluded.cost_usd,
                saved_cost_usd = r.saved_cost_usd + excluded.saved_cost_usd,
                latency_sum_us = r.latency_sum_us + excluded.latency_sum_us),
        latency_rolled_up AS (
            INSERT INTO usage_rollup_latency_hourly AS l (
                tenant_id, hour, provider, model, requester, api_key_id, virtual_key_id, bucket, requests)
            SELECT tenant_id, date_trunc('hour', started_at, 'UTC'), provider, model, requester, api_key_id, virtual_key_id,
                   analytics_latency_bucket(latency_us), count(*)
            FROM inserted
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
            ORDER BY 1, 2, 3, 4, 5, 6, 7, 8
            ON CONFLICT (tenant_id, hour, provider, model, requester, api_key_id, virtual_key_id, bucket) DO UPDATE SET
                requests = l.requests + excluded.requests),
        model_rolled_up AS (
            INSERT INTO usage_rollup_model_hourly AS m (
                tenant_id, hour, provider, model, requests, errors, cache_hits, input_tokens, cached_input_tokens,
                cache_write_tokens, output_tokens, reasoning_tokens, cost_usd, saved_cost_usd, latency_sum_us)
            SELECT tenant_id, date_trunc('hour', started_at, 'UTC'), provider, model,
                   count(*), count(*) FILTER (WHERE status_code >= 400), count(*) FILTER (WHERE cache_status = 'HIT'),
                   sum(input_tokens)::bigint, sum(cached_input_tokens)::bigint, sum(cache_write_tokens)::bigint,
                   sum(output_tokens)::bigint, sum(reasoning_tokens)::bigint, sum(cost_usd), sum(saved_cost_usd),
                   sum(latency_us)::bigint
            FROM inserted
            GROUP BY 1, 2, 3, 4
            ORDER BY 1, 2, 3, 4
            ON CONFLICT (tenant_id, hour, provider, model) DO UPDATE SET
                requests = m.requests + excluded.requests,
                errors = m.errors + excluded.errors,
                cache_hits = m.cache_hits + excluded.cache_hits,
                input_tokens = m.input_tokens + excluded.input_tokens,
                cached_input_tokens = m.cached_input_tokens + excluded.cached_input_tokens,
                cache_write_tokens = m.cache_write_tokens + excluded.cache_write_tokens,
                output_tokens = m.output_tokens + excluded.output_tokens,
                reasoning_tokens = m.reasoning_tokens + excluded.reasoning_tokens,
                cost_usd = m.cost_usd + excluded.cost_usd,
                saved_cost_usd = m.saved_cost_usd + excluded.saved_cost_usd,
                latency_sum_us = m.latency_sum_us + excluded.latency_sum_us),
        model_latency_rolled_up AS (
            INSERT INTO usage_rollup_model_latency_hourly AS ml (tenant_id, hour, provider, model, bucket, requests)
            SELECT tenant_id, date_trunc('hour', started_at, 'UTC'), provider, model, analytics_latency_bucket(latency_us),
                   count(*)
            FROM inserted
            GROUP BY 1, 2, 3, 4, 5
            ORDER BY 1, 2, 3, 4, 5
            ON CONFLICT (tenant_id, hour, provider, model, bucket) DO UPDATE SET
                requests = ml.requests + excluded.requests)
        SELECT event_id FROM inserted
        """;

    // SQLSTATE class 22 (data exception): a value PostgreSQL can never store, e.g. a NUL character in text.
    private const string DataExceptionClass = "22";

    /// <exception cref="InvalidUsageException">An event is invalid; nothing was written.</exception>
    /// <exception cref="NpgsqlException">The database failed (see <see cref="DatabaseFailure"/>); nothing was written.</exception>
    public async Task<IngestResult> ApplyAsync(UsageBatch batch, CancellationToken cancellationToken)
    {
        if (batch.Events.Count == 0)
        {
            return new IngestResult(0, 0);
        }

        var columns = UsageColumns.FromBatch(batch);
        await using var command = dataSource.CreateCommand(InsertSql);
        columns.AddParameters(command.Parameters);
        var inserted = new HashSet<Guid>();
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                inserted.Add(reader.GetGuid(0));
            }
        }
        catch (PostgresException ex) when (ex.SqlState.StartsWith(DataExceptionClass, StringComparison.Ordinal))
        {
            throw new InvalidUsageException($"The database rejected a value in the batch (SQLSTATE {ex.SqlState}).");
        }

        Broadcast(batch, inserted);
        return new IngestResult(inserted.Count, batch.Events.Count - inserted.Count);
    }

    /// <summary>Hands the newly stored events to live watchers (each once, even if the batch repeated an id).</summary>
    private void Broadcast(UsageBatch batch, HashSet<Guid> inserted)
    {
        if (broadcaster.IsIdle || inserted.Count == 0)
        {
            return;
        }

        foreach (var usage in batch.Events)
        {
            if (Guid.TryParse(usage.EventId, out var id) && inserted.Remove(id))
            {
                broadcaster.Publish(usage);
            }
        }
    }
}
