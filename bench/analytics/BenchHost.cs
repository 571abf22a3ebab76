extern alias analytics;

using Gateway.Testing;
using Grpc.Net.Client;
using AnalyticsProgram = analytics::Program;

namespace Gateway.Bench.Analytics;

/// <summary>A fresh PostgreSQL server (the test one: fsync and synchronous_commit off) with the real Analytics
/// service in-process on Kestrel, reached over real gRPC.</summary>
internal sealed class BenchHost : IAsyncDisposable
{
    private BenchHost(PostgresServer? postgres, string connectionString, ServiceHost<AnalyticsProgram> service)
    {
        Postgres = postgres;
        ConnectionString = connectionString;
        Service = service;
        Channel = service.CreateGrpcChannel();
    }

    /// <summary>Null when the benchmark runs against an existing database (--database).</summary>
    public PostgresServer? Postgres { get; }

    public string ConnectionString { get; }

    public ServiceHost<AnalyticsProgram> Service { get; }

    public GrpcChannel Channel { get; }

    /// <summary>Starts a fresh server, or uses <paramref name="existingDatabase"/> (a connection string) when given,
    /// e.g. a scratch server with auto_explain to profile the statements.</summary>
    public static async Task<BenchHost> StartAsync(string? existingDatabase = null)
    {
        var postgres = existingDatabase is null ? await PostgresServer.StartAsync() : null;
        var connectionString = existingDatabase ?? await postgres!.CreateDatabaseAsync("analytics");
        var settings = TestSecrets.Settings();
        settings["ConnectionStrings:analyticsdb"] = connectionString;
        settings["services:keyvault:grpc:0"] = "http://127.0.0.1:9";
        settings["services:config:grpc:0"] = "http://127.0.0.1:9";
        settings["Logging:LogLevel:Default"] = "Warning";
        var service = new ServiceHost<AnalyticsProgram>(settings).Start();
        return new BenchHost(postgres, connectionString, service);
    }

    public async ValueTask DisposeAsync()
    {
        Channel.Dispose();
        await Service.DisposeAsync();
        if (Postgres is not null)
        {
            await Postgres.DisposeAsync();
        }
    }
}
