using Gateway.Config.Changes;
using Npgsql;

namespace Gateway.Config.Prices;

/// <summary>Creates price table versions and lists them. Versions are immutable: a new version is inserted and
/// activated in one transaction, so readers see either the old table or the new one, never a mix.</summary>
internal sealed class PriceTableWriter(NpgsqlDataSource dataSource)
{
    private const string VersionsSql = """
        SELECT t.version, t.created_at, t.is_active, count(p.model)::int
        FROM price_tables t LEFT JOIN model_prices p ON p.version = t.version
        GROUP BY t.version, t.created_at, t.is_active
        ORDER BY t.created_at DESC, t.version DESC
        """;

    /// <summary>Stores and activates the table; false when the version already exists.</summary>
    public async Task<bool> PutAndActivateAsync(PriceTable table, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        await using (var insert = new NpgsqlCommand(
            "INSERT INTO price_tables (version, is_active) VALUES ($1, false) ON CONFLICT (version) DO NOTHING", connection, transaction))
        {
            insert.Parameters.AddWithValue(table.Version);
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }

        var batch = new NpgsqlBatch(connection, transaction);
        await using (batch)
        {
            foreach (var price in table.Prices)
            {
                var command = new NpgsqlBatchCommand("""
                    INSERT INTO model_prices (version, provider, model, input, cached_input, cache_write, output)
                    VALUES ($1, $2, $3, $4, $5, $6, $7)
                    """);
                command.Parameters.Add(new NpgsqlParameter { Value = table.Version });
                command.Parameters.Add(new NpgsqlParameter { Value = price.Provider });
                command.Parameters.Add(new NpgsqlParameter { Value = price.Model });
                command.Parameters.Add(new NpgsqlParameter { Value = price.InputPerMTok });
                command.Parameters.Add(new NpgsqlParameter { Value = price.CachedInputPerMTok });
                command.Parameters.Add(new NpgsqlParameter { Value = price.CacheWritePerMTok });
                command.Parameters.Add(new NpgsqlParameter { Value = price.OutputPerMTok });
                batch.BatchCommands.Add(command);
            }

            // Deactivate first: the partial unique index allows only one active row at any statement boundary.
            var deactivate = new NpgsqlBatchCommand("UPDATE price_tables SET is_active = false WHERE is_active");
            batch.BatchCommands.Add(deactivate);
            var activate = new NpgsqlBatchCommand("UPDATE price_tables SET is_active = true WHERE version = $1");
            activate.Parameters.Add(new NpgsqlParameter { Value = table.Version });
            batch.BatchCommands.Add(activate);
            batch.BatchCommands.Add(new ChangeNotification(ChangeKind.Prices, "", table.Version, table.Version).ToBatchCommand());
            await batch.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>Every version, newest first.</summary>
    public async Task<IReadOnlyList<PriceVersionInfo>> ListVersionsAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(VersionsSql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var versions = new List<PriceVersionInfo>();
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(new PriceVersionInfo(reader.GetString(0), reader.GetFieldValue<DateTimeOffset>(1), reader.GetBoolean(2), reader.GetInt32(3)));
        }

        return versions;
    }
}
