using Npgsql;

namespace Gateway.Config.Prices;

/// <summary>Reads price tables from PostgreSQL. The single read path for the active table, so GetPrices and the
/// later Watch stream (which re-reads on change) agree on what "in force" means.</summary>
internal sealed class PriceTableStore(NpgsqlDataSource dataSource)
{
    // One round trip; the LEFT JOIN still yields the version when an active table has no prices yet.
    private const string ActiveTableSql = """
        SELECT t.version, p.provider, p.model, p.input, p.cached_input, p.cache_write, p.output
        FROM price_tables t
        LEFT JOIN model_prices p ON p.version = t.version
        WHERE t.is_active
        ORDER BY p.provider, p.model
        """;

    /// <summary>The table in force, or null when no version is active.</summary>
    public async Task<PriceTable?> GetActiveAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(ActiveTableSql);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);

        string? version = null;
        var prices = new List<ModelPrice>();
        while (await reader.ReadAsync(cancellationToken))
        {
            version ??= reader.GetString(0);
            if (!await reader.IsDBNullAsync(1, cancellationToken))
            {
                prices.Add(new ModelPrice(
                    Provider: reader.GetString(1),
                    Model: reader.GetString(2),
                    InputPerMTok: reader.GetDecimal(3),
                    CachedInputPerMTok: reader.GetDecimal(4),
                    CacheWritePerMTok: reader.GetDecimal(5),
                    OutputPerMTok: reader.GetDecimal(6)));
            }
        }

        return version is null ? null : new PriceTable(version, prices);
    }
}
