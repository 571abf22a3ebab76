using Gateway.ServiceDefaults.Data;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Gateway.Analytics.Tests.Migrations;

/// <summary>The migration runner (ServiceDefaults) applies a migration that takes longer than the data source's
/// command timeout, instead of aborting it and retrying it from the start until the service gives up starting.</summary>
public sealed class LongMigrationTests
{
    [Fact]
    public async Task A_migration_longer_than_the_command_timeout_is_applied_once()
    {
        await using var postgres = await PostgresServer.StartAsync();
        var connectionString = await postgres.CreateDatabaseAsync("long_migration") + ";Command Timeout=1";
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(dataSource)
            .AddSqlMigrations(typeof(LongMigrationTests).Assembly)
            .BuildServiceProvider();

        var runner = services.GetServices<IHostedService>().Single();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await runner.StartAsync(deadline.Token);

        await using var connection = await dataSource.OpenConnectionAsync();
        await using var applied = new NpgsqlCommand(
            "SELECT count(*) FROM schema_migrations WHERE name = 'Fixtures.0001_longer_than_the_command_timeout.sql'", connection);
        Assert.Equal(1L, await applied.ExecuteScalarAsync());
        await using var created = new NpgsqlCommand("SELECT to_regclass('long_migration_done') IS NOT NULL", connection);
        Assert.Equal(true, await created.ExecuteScalarAsync());
    }
}
