using Gateway.Contracts.Usage.V1;
using Npgsql;

namespace Gateway.Analytics.Ingest;

/// <summary>The one idempotent ingest path behind both feeds (Dapr subscription and the UsageIngest RPC): validates
/// the whole batch, then inserts it in one statement that skips event ids already stored. The statement commits
/// before this returns, so nothing is acknowledged before it is durable; a redelivered or concurrently duplicated
/// event is counted once because event_id is the primary key.</summary>
internal sealed class UsageIngestor(NpgsqlDataSource dataSource)
{
    private const string InsertSql = """
        INSERT INTO usage_events (
            event_id, tenant_id, api_key_id, virtual_key_id, requester, metadata, provider, model, endpoint, stream,
            status_code, error_type, cache_status, input_tokens, cached_input_tokens, cache_write_tokens,
            output_tokens, reasoning_tokens, tokens_estimated, cost_usd, saved_cost_usd, price_version, priced,
            started_at, latency_us, time_to_first_byte_us, trace_id, attempts)
        SELECT * FROM unnest(
            $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23,
            $24, $25, $26, $27, $28)
        ON CONFLICT (event_id) DO NOTHING
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
        int inserted;
        try
        {
            inserted = await command.ExecuteNonQueryAsync(cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState.StartsWith(DataExceptionClass, StringComparison.Ordinal))
        {
            throw new InvalidUsageException($"The database rejected a value in the batch (SQLSTATE {ex.SqlState}).");
        }

        return new IngestResult(inserted, batch.Events.Count - inserted);
    }
}
