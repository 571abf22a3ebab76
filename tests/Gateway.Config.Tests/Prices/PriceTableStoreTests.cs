using Gateway.Config.Prices;
using Npgsql;

namespace Gateway.Config.Tests.Prices;

[Collection(ConfigServiceCollection.Name)]
public sealed class PriceTableStoreTests(ConfigServiceFixture fixture)
{
    [Fact]
    public async Task GetActiveAsync_IgnoresInactiveVersions()
    {
        await using var dataSource = NpgsqlDataSource.Create(fixture.ConnectionString);
        var version = "inactive-" + Guid.NewGuid().ToString("N");
        await ExecuteAsync(dataSource, $"""
            INSERT INTO price_tables (version, is_active) VALUES ('{version}', false);
            INSERT INTO model_prices (version, provider, model, input, cached_input, cache_write, output)
            VALUES ('{version}', 'openai', 'gpt-4o-mini', 99, 99, 99, 99);
            """);

        var table = await new PriceTableStore(dataSource).GetActiveAsync(CancellationToken.None);

        Assert.NotNull(table);
        Assert.Equal("2025-10-list", table.Version);
        var price = Assert.Single(table.Prices, p => p is { Provider: "openai", Model: "gpt-4o-mini" });
        Assert.Equal(0.15m, price.InputPerMTok);
        Assert.Equal(0.075m, price.CachedInputPerMTok);
    }

    [Fact]
    public async Task Schema_AllowsOnlyOneActiveVersion()
    {
        await using var connection = new NpgsqlConnection(fixture.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using var insert = new NpgsqlCommand(
            "INSERT INTO price_tables (version, is_active) VALUES ($1, true)", connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter { Value = "second-active-" + Guid.NewGuid().ToString("N") });

        var error = await Assert.ThrowsAsync<PostgresException>(() => insert.ExecuteNonQueryAsync());

        Assert.Equal(PostgresErrorCodes.UniqueViolation, error.SqlState);
        await transaction.RollbackAsync();
    }

    private static async Task ExecuteAsync(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
