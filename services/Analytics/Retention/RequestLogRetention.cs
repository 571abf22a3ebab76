using Npgsql;

namespace Gateway.Analytics.Retention;

/// <summary>Deletes request-log rows older than the retention in small batches (short transactions, no long locks
/// on a busy table). Rollups are not touched: old usage stays answerable from them.</summary>
internal sealed class RequestLogRetention(NpgsqlDataSource dataSource)
{
    private const string DeleteSql = """
        DELETE FROM usage_events
        WHERE ctid = ANY (ARRAY(SELECT ctid FROM usage_events WHERE started_at < $1 LIMIT $2))
        """;

    /// <summary>Deletes every row that started before <paramref name="cutoff"/>; returns how many.</summary>
    public async Task<long> PurgeAsync(DateTime cutoff, int batchSize, CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            await using var command = dataSource.CreateCommand(DeleteSql);
            command.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = cutoff });
            command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = batchSize });
            var deleted = await command.ExecuteNonQueryAsync(cancellationToken);
            total += deleted;
            if (deleted < batchSize)
            {
                return total;
            }
        }
    }
}
