using Gateway.Testing;
using Grpc.Net.Client;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Config.Tests;

/// <summary>A real PostgreSQL server with an empty <c>configdb</c>, and the Config service on it (which applies its
/// migrations at start, so the seeded price table is there).</summary>
public sealed class ConfigServiceFixture : IAsyncLifetime
{
    public PostgresServer Postgres { get; private set; } = null!;

    public string ConnectionString { get; private set; } = "";

    public ServiceHost<Program> Host { get; private set; } = null!;

    public GrpcChannel Channel { get; private set; } = null!;

    public ConfigV1.Config.ConfigClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        ConnectionString = await Postgres.CreateDatabaseAsync("configdb");
        var settings = TestSecrets.Settings();
        settings["ConnectionStrings:configdb"] = ConnectionString;
        Host = new ServiceHost<Program>(settings).Start();
        Channel = Host.CreateGrpcChannel();
        Client = new ConfigV1.Config.ConfigClient(Channel);
    }

    public async Task DisposeAsync()
    {
        Channel.Dispose();
        await Host.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class ConfigServiceCollection : ICollectionFixture<ConfigServiceFixture>
{
    public const string Name = "Config service";
}
