using System.Reflection;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Gateway.ServiceDefaults.Data;

public static class SqlMigrations
{
    /// <summary>Applies the SQL scripts embedded in <paramref name="assembly"/> under <c>Migrations/</c> (ordered by
    /// name, each once) before the service starts serving.</summary>
    public static IServiceCollection AddSqlMigrations(this IServiceCollection services, Assembly assembly) =>
        services.AddHostedService(sp => new SqlMigrationRunner(
            sp.GetRequiredService<NpgsqlDataSource>(), assembly, sp.GetRequiredService<ILogger<SqlMigrationRunner>>()));
}

/// <summary>Runs embedded migrations under a PostgreSQL advisory lock, so replicas starting together apply each
/// script exactly once. Hosted services start before Kestrel accepts requests, so nothing is served on an old schema.</summary>
internal sealed partial class SqlMigrationRunner(NpgsqlDataSource dataSource, Assembly assembly, ILogger<SqlMigrationRunner> logger)
    : IHostedService
{
    private const long AdvisoryLockKey = 0x6761_7465_7761_79; // "gateway"
    private static readonly TimeSpan StartupGrace = TimeSpan.FromSeconds(60);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + StartupGrace;
        while (true)
        {
            try
            {
                await ApplyAsync(cancellationToken);
                return;
            }
            catch (NpgsqlException ex) when (ex.IsTransient && DateTime.UtcNow < deadline)
            {
                LogDatabaseNotReady(logger, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task ApplyAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        // No command timeout here: waiting for another replica's migrations, or a migration that rewrites a large
        // table, legitimately takes longer than the data source's timeout (30 s by default). A timeout would abort
        // the migration, roll it back and retry it from the start until the start-up grace ran out, so a service
        // with a large database could never start. Stopping the host still cancels.
        await ExecuteAsync(connection, $"SELECT pg_advisory_lock({AdvisoryLockKey})", cancellationToken);
        try
        {
            await ExecuteAsync(connection, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    name text PRIMARY KEY,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, cancellationToken);

            foreach (var (name, sql) in EmbeddedScripts())
            {
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using var check = new NpgsqlCommand(
                    "INSERT INTO schema_migrations (name) VALUES ($1) ON CONFLICT DO NOTHING", connection, transaction);
                check.Parameters.Add(new NpgsqlParameter { Value = name });
                if (await check.ExecuteNonQueryAsync(cancellationToken) == 1)
                {
                    LogApplying(logger, name);
                    await using var apply = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 0 };
                    await apply.ExecuteNonQueryAsync(cancellationToken);
                    LogApplied(logger, name);
                }

                await transaction.CommitAsync(cancellationToken);
            }
        }
        finally
        {
            await ExecuteAsync(connection, $"SELECT pg_advisory_unlock({AdvisoryLockKey})", CancellationToken.None);
        }
    }

    private IEnumerable<(string Name, string Sql)> EmbeddedScripts()
    {
        var names = assembly.GetManifestResourceNames()
            .Where(n => n.Contains(".Migrations.", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);
        foreach (var resource in names)
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            var shortName = resource[(resource.IndexOf(".Migrations.", StringComparison.Ordinal) + ".Migrations.".Length)..];
            yield return (shortName, reader.ReadToEnd());
        }
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Applying migration {Migration}")]
    private static partial void LogApplying(ILogger logger, string migration);

    [LoggerMessage(Level = LogLevel.Information, Message = "Applied migration {Migration}")]
    private static partial void LogApplied(ILogger logger, string migration);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database not ready yet, retrying: {Reason}")]
    private static partial void LogDatabaseNotReady(ILogger logger, string reason);
}
