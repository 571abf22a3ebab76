using System.Net;
using Gateway.Contracts.KeyVault.V1;
using Gateway.Testing;
using Grpc.Core;
using Grpc.Net.Client;

namespace Gateway.KeyVault.Tests.Grpc;

/// <summary>Stops PostgreSQL under a running KeyVault, so it has its own server rather than the shared fixture's.</summary>
public sealed class DatabaseOutageTests : IAsyncLifetime
{
    private PostgresServer _postgres = null!;
    private ServiceHost<Program> _host = null!;
    private GrpcChannel _channel = null!;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.StartAsync();
        var connectionString = await _postgres.CreateDatabaseAsync("keyvault");
        _host = new ServiceHost<Program>(KeyVaultFixture.Settings(connectionString)).Start();
        _channel = _host.CreateGrpcChannel();
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _host.DisposeAsync();
        try
        {
            await _postgres.DisposeAsync();
        }
        catch (InvalidOperationException)
        {
            // The test left the server stopped; pg_ctl stop then fails, but the data directory is still removed.
        }
    }

    [Fact]
    public async Task A_database_outage_is_unavailable_not_unknown()
    {
        var admin = new KeyVaultAdmin.KeyVaultAdminClient(_channel);
        using var http = _host.CreateHttpClient();
        var tenant = await admin.CreateTenantAsync(
            new CreateTenantRequest { Id = KeyVaultFixture.NewTenantId("outage") }, KeyVaultFixture.AdminHeaders);

        await _postgres.StopAsync();
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            admin.GetTenantAsync(new GetTenantRequest { Id = tenant.Id }, KeyVaultFixture.AdminHeaders).ResponseAsync);
        using var health = await http.GetAsync(new Uri("/health", UriKind.Relative));

        // UNAVAILABLE is what gRPC clients (the Edge) treat as retryable; /health takes the instance out of rotation.
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
    }
}
