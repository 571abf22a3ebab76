using Gateway.Config.Changes;
using Npgsql;

namespace Gateway.Config.Prices;

/// <summary>Tenants' negotiated prices (<c>tenant_price_overrides</c>).</summary>
internal sealed class PriceOverrideStore(NpgsqlDataSource dataSource)
{
    private const string UpsertSql = """
        INSERT INTO tenant_price_overrides (tenant_id, provider, model, input, cached_input, cache_write, output)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (tenant_id, provider, model) DO UPDATE
        SET input = EXCLUDED.input, cached_input = EXCLUDED.cached_input, cache_write = EXCLUDED.cache_write,
            output = EXCLUDED.output, updated_at = now()
        """;

    private const string SelectSql = """
        SELECT provider, model, input, cached_input, cache_write, output
        FROM tenant_price_overrides WHERE tenant_id = $1 ORDER BY provider, model
        """;

    public async Task SetAsync(string tenantId, ModelPrice price, CancellationToken cancellationToken)
    {
        // One batch runs as one implicit transaction, so the NOTIFY goes out only if the upsert commits.
        await using var batch = dataSource.CreateBatch();
        var upsert = new NpgsqlBatchCommand(UpsertSql);
        foreach (var value in new object[] { tenantId, price.Provider, price.Model, price.InputPerMTok, price.CachedInputPerMTok, price.CacheWritePerMTok, price.OutputPerMTok })
        {
            upsert.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        batch.BatchCommands.Add(upsert);
        batch.BatchCommands.Add(Change(tenantId, price.Provider, price.Model).ToBatchCommand());
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>False when the tenant had no override for that model.</summary>
    public async Task<bool> DeleteAsync(string tenantId, string provider, string model, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var delete = new NpgsqlCommand(
            "DELETE FROM tenant_price_overrides WHERE tenant_id = $1 AND provider = $2 AND model = $3", connection, transaction))
        {
            delete.Parameters.AddWithValue(tenantId);
            delete.Parameters.AddWithValue(provider);
            delete.Parameters.AddWithValue(model);
            if (await delete.ExecuteNonQueryAsync(cancellationToken) == 0)
            {
                return false;
            }
        }

        await using (var notify = Change(tenantId, provider, model).ToCommand(connection, transaction))
        {
            await notify.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    private static ChangeNotification Change(string tenantId, string provider, string model) =>
        new(ChangeKind.Prices, tenantId, $"{provider}/{model}", "");

    public async Task<IReadOnlyList<ModelPrice>> ListAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(SelectSql);
        command.Parameters.AddWithValue(tenantId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var prices = new List<ModelPrice>();
        while (await reader.ReadAsync(cancellationToken))
        {
            prices.Add(new ModelPrice(reader.GetString(0), reader.GetString(1), reader.GetDecimal(2),
                reader.GetDecimal(3), reader.GetDecimal(4), reader.GetDecimal(5)));
        }

        return prices;
    }
}
