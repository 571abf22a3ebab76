using Gateway.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Config.Tests.Grpc;

/// <summary>The Config service reaching PostgreSQL through a <see cref="TcpProxy"/>, so a test can cut the database
/// off. A class fixture of its own, apart from the tests that need the database up.</summary>
public sealed class DatabaseOutageFixture : IAsyncLifetime
{
    private GrpcChannel _channel = null!;

    public PostgresServer Postgres { get; private set; } = null!;

    public TcpProxy Proxy { get; private set; } = null!;

    public ServiceHost<Program> Host { get; private set; } = null!;

    public ConfigV1.Config.ConfigClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Postgres = await PostgresServer.StartAsync();
        await Postgres.CreateDatabaseAsync("configdb");
        Proxy = new TcpProxy(Postgres.Port);
        Proxy.Start();
        var settings = TestSecrets.Settings();
        settings["ConnectionStrings:configdb"] = $"Host=127.0.0.1;Port={Proxy.Port};Username=postgres;Database=configdb";
        Host = new ServiceHost<Program>(settings).Start();
        _channel = Host.CreateGrpcChannel();
        Client = new ConfigV1.Config.ConfigClient(_channel);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await Host.DisposeAsync();
        await Proxy.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}

public sealed class DatabaseOutageTests(DatabaseOutageFixture fixture) : IClassFixture<DatabaseOutageFixture>
{
    private static readonly TimeSpan RecoveryBound = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task GetPrices_IsUnavailableWhilePostgresIsUnreachable_AndRecovers()
    {
        var auth = TestSecrets.Bearer(TestSecrets.InternalToken);
        Assert.Equal("2025-10-list", (await fixture.Client.GetPricesAsync(new ConfigV1.GetPricesRequest(), auth)).Version);

        await fixture.Proxy.CutAsync();
        try
        {
            // The deadline only bounds the test: UNAVAILABLE (not DEADLINE_EXCEEDED) shows the call did not hang.
            var error = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.GetPricesAsync(
                new ConfigV1.GetPricesRequest(), auth, deadline: DateTime.UtcNow.AddSeconds(30)));
            Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        }
        finally
        {
            fixture.Proxy.Start();
        }

        var table = await EventuallyAsync(() => fixture.Client.GetPricesAsync(new ConfigV1.GetPricesRequest(), auth).ResponseAsync);
        Assert.Equal("2025-10-list", table.Version);
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> call)
    {
        var deadline = DateTime.UtcNow + RecoveryBound;
        while (true)
        {
            try
            {
                return await call();
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Unavailable && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }
}
