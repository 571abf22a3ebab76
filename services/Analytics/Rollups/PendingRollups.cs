using Npgsql;

namespace Gateway.Analytics.Rollups;

/// <summary>Moves one chunk of usage_rollup_pending into the rollups (<see cref="RollupSql.Move"/>) in one
/// transaction, under the rollers' advisory lock. If the transaction fails or the process dies before the commit,
/// the chunk stays pending and nothing is counted; after the commit it is counted exactly once.</summary>
internal sealed class PendingRollups(NpgsqlDataSource dataSource)
{
    /// <summary>Moves up to <paramref name="chunkSize"/> pending rows; returns how many, or null when another
    /// roller holds the lock (nothing was moved).</summary>
    public async Task<int?> MoveAsync(int chunkSize, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var tryLock = new NpgsqlCommand(RollupSql.TryLock, connection, transaction))
        {
            tryLock.Parameters.Add(new NpgsqlParameter<long> { TypedValue = RollupSql.RollerLockKey });
            if (!(bool)(await tryLock.ExecuteScalarAsync(cancellationToken))!)
            {
                return null;
            }
        }

        await using var move = new NpgsqlCommand(RollupSql.Move, connection, transaction);
        move.Parameters.Add(new NpgsqlParameter<int> { TypedValue = chunkSize });
        // Prepared once per pooled connection: the statement is long and otherwise parsed and planned every cycle,
        // including every idle poll.
        await move.PrepareAsync(cancellationToken);
        var moved = (long)(await move.ExecuteScalarAsync(cancellationToken))!;
        await transaction.CommitAsync(cancellationToken);
        return (int)moved;
    }
}
