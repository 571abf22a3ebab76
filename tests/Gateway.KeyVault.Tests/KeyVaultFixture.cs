using Gateway.Contracts.KeyVault.V1;
using Gateway.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;
using KeyVaultContract = Gateway.Contracts.KeyVault.V1.KeyVault;

namespace Gateway.KeyVault.Tests;

/// <summary>One PostgreSQL server and one KeyVault service for the whole test project. Tests isolate themselves by
/// using fresh tenant ids (<see cref="NewTenantId"/>), so they can run in any order.</summary>
public sealed class KeyVaultFixture : IAsyncLifetime
{
    private PostgresServer? _postgres;
    private ServiceHost<Program>? _host;
    private GrpcChannel? _channel;

    public static Metadata AdminHeaders { get; } = TestSecrets.Bearer(TestSecrets.AdminToken);

    public static Metadata InternalHeaders { get; } = TestSecrets.Bearer(TestSecrets.InternalToken);

    public string ConnectionString { get; private set; } = "";

    /// <summary>Direct access to the service's database, to check what is (not) stored.</summary>
    public NpgsqlDataSource Database { get; private set; } = null!;

    public ServiceHost<Program> Host => _host!;

    public KeyVaultAdmin.KeyVaultAdminClient Admin { get; private set; } = null!;

    public KeyVaultContract.KeyVaultClient Internal { get; private set; } = null!;

    public GrpcChannel Channel => _channel!;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.StartAsync();
        ConnectionString = await _postgres.CreateDatabaseAsync("keyvault");
        Database = NpgsqlDataSource.Create(ConnectionString);
        _host = new ServiceHost<Program>(Settings(ConnectionString)).Start();
        _channel = _host.CreateGrpcChannel();
        Admin = new KeyVaultAdmin.KeyVaultAdminClient(_channel);
        Internal = new KeyVaultContract.KeyVaultClient(_channel);
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (Database is not null)
        {
            await Database.DisposeAsync();
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }
    }

    /// <summary>The settings the service reads in production, pointing at this fixture's database.</summary>
    public static Dictionary<string, string?> Settings(string connectionString)
    {
        var settings = TestSecrets.Settings();
        settings["ConnectionStrings:keyvaultdb"] = connectionString;
        settings["KeyVault:MasterKey"] = TestSecrets.MasterKey;
        return settings;
    }

    /// <summary>A fresh database on the same server, for tests that need their own KeyVault configuration.</summary>
    public Task<string> CreateDatabaseAsync(string name) => _postgres!.CreateDatabaseAsync(name);

    /// <summary>A tenant id no other test uses.</summary>
    public static string NewTenantId(string purpose) => $"{purpose}-{Guid.NewGuid():N}";

    public async Task<Tenant> CreateTenantAsync(string purpose) =>
        await Admin.CreateTenantAsync(new CreateTenantRequest { Id = NewTenantId(purpose) }, AdminHeaders);
}

[CollectionDefinition(Name)]
public sealed class KeyVaultCollection : ICollectionFixture<KeyVaultFixture>
{
    public const string Name = "KeyVault";
}
