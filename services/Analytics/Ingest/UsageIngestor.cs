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

        var columns = UsageColumns.FromBatch(batch);
        await using var command = dataSource.CreateCommand(IngestSql.Insert);
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

        if (inserted.Count > 0)
        {
            rollups.Notify();
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
