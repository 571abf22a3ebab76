using System.Data;
using System.Text;
using Npgsql;
using NpgsqlTypes;

namespace Gateway.Analytics.Queries;

/// <summary>Answers a rollup: the finest cells of the sums and of the latency histograms (see
/// <see cref="CostRollupSql"/>), added up into the series points, rows and totals here
/// (<see cref="CostRollupAggregator"/>), in one read-only REPEATABLE READ transaction so every statement sees the same
/// snapshot. Money is read and summed as decimal: exact (see <see cref="RollupSums"/>).</summary>
internal sealed class CostRollupQuery(NpgsqlDataSource dataSource)
{
    public async Task<CostRollup> RunAsync(RollupSpec spec, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        // One round trip for both statements; the transaction gives them (and the tie-break below) the same snapshot.
        await using var batch = new NpgsqlBatch(connection, transaction);
        var sums = new NpgsqlBatchCommand();
        CostRollupSql.BuildSums(sums, spec);
        batch.BatchCommands.Add(sums);
        var latency = new NpgsqlBatchCommand();
        CostRollupSql.BuildLatency(latency, spec);
        batch.BatchCommands.Add(latency);

        var aggregator = new CostRollupAggregator(spec);
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                aggregator.AddSums(reader);
            }

            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                aggregator.AddLatency(reader);
            }
        }

        var ranks = aggregator.HasCostTies()
            ? await CollationRanksAsync(connection, transaction, aggregator.GroupNames(), cancellationToken)
            : null;
        await transaction.CommitAsync(cancellationToken);
        return aggregator.Build(ranks);
    }

    /// <summary>Each group's position when its names are sorted as the database sorts text (its collation, which
    /// need not be ordinal), the tie-break the rollup's order has always used for entries of equal cost.</summary>
    private static async Task<int[]> CollationRanksAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyList<string[]> names, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand { Connection = connection, Transaction = transaction };
        var arrays = new StringBuilder();
        var columns = new StringBuilder();
        for (var d = 0; d < names.Count; d++)
        {
            command.Parameters.Add(new NpgsqlParameter<string[]>
            {
                TypedValue = names[d],
                NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text,
            });
            arrays.Append(d == 0 ? "" : ", ").Append('$').Append(d + 1).Append("::text[]");
            columns.Append(d == 0 ? "" : ", ").Append('d').Append(d);
        }

        command.CommandText = $"SELECT o FROM unnest({arrays}) WITH ORDINALITY AS g({columns}, o) ORDER BY {columns}";
        var ranks = new int[names[0].Length];
        var rank = 0;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            ranks[reader.GetInt64(0) - 1] = rank++;
        }

        return ranks;
    }
}
