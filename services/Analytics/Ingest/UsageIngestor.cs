using Gateway.Analytics.Live;
using Gateway.Analytics.Rollups;
using Gateway.Contracts.Usage.V1;
using Npgsql;

namespace Gateway.Analytics.Ingest;

/// <summary>The one idempotent ingest path behind both feeds (Dapr subscription and the UsageIngest RPC): validates
/// the whole batch, then in ONE statement (one transaction, <see cref="IngestSql"/>) inserts the events, skipping ids
/// already stored, and queues exactly the rows it inserted for the rollups (the roller adds them later; queries count
/// queued rows meanwhile). The statement commits before this returns, so nothing is acknowledged before it is
/// durable; a redelivered or concurrently duplicated event is counted once, in the log and in the rollups, because
/// event_id is the primary key and only RETURNING rows are queued.</summary>
internal sealed class UsageIngestor(NpgsqlDataSource dataSource, UsageBroadcaster broadcaster, RollupSignal rollups)
{
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

        using var columns = UsageColumns.FromBatch(batch);
        // event_id is the key, so RETURNING yields each newly stored event exactly once: the rows are the count.
        var inserted = new Guid[batch.Events.Count];
        var accepted = 0;
        try
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var command = new NpgsqlCommand(IngestSql.Insert, connection);
            columns.AddParameters(command.Parameters);
            // Prepared once per pooled connection (later calls find it there without a round trip): otherwise
            // PostgreSQL parses and plans the 28-array statement for every batch.
            await command.PrepareAsync(cancellationToken);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                inserted[accepted++] = reader.GetGuid(0);
            }
        }
        catch (PostgresException ex) when (ex.SqlState.StartsWith(DataExceptionClass, StringComparison.Ordinal))
        {
            throw new InvalidUsageException($"The database rejected a value in the batch (SQLSTATE {ex.SqlState}).");
        }

        if (accepted > 0)
        {
            rollups.Notify();
            Broadcast(batch, inserted.AsSpan(0, accepted));
        }

        return new IngestResult(accepted, batch.Events.Count - accepted);
    }

    /// <summary>Hands the newly stored events to live watchers (each once, even if the batch repeated an id).</summary>
    private void Broadcast(UsageBatch batch, ReadOnlySpan<Guid> insertedIds)
    {
        if (broadcaster.IsIdle)
        {
            return;
        }

        var inserted = new HashSet<Guid>(insertedIds.Length);
        foreach (var id in insertedIds)
        {
            inserted.Add(id);
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
