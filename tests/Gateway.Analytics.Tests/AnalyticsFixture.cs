extern alias keyvault;

using Gateway.Analytics.Rollups;
using Gateway.Contracts.Analytics.V1;
using Gateway.Contracts.KeyVault.V1;
using Gateway.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;
using AnalyticsContract = Gateway.Contracts.Analytics.V1.Analytics;
using KeyVaultProgram = keyvault::Program;

namespace Gateway.Analytics.Tests;

/// <summary>One PostgreSQL server with the Analytics and KeyVault services (both real, in-process) for the whole test
/// project. Tests isolate themselves with fresh tenant ids, so they can run in any order.</summary>
public sealed class AnalyticsFixture : IAsyncLifetime
{
    private PostgresServer? _postgres;
    private FakeConfigServer? _config;
    private ServiceHost<KeyVaultProgram>? _keyVault;
    private ServiceHost<Program>? _analytics;
    private GrpcChannel? _analyticsChannel;
    private GrpcChannel? _keyVaultChannel;

    public static Metadata AdminHeaders { get; } = TestSecrets.Bearer(TestSecrets.AdminToken);

    public static Metadata InternalHeaders { get; } = TestSecrets.Bearer(TestSecrets.InternalToken);

    public ServiceHost<Program> Analytics => _analytics!;

    /// <summary>Direct access to the analytics database, to check what is stored.</summary>
    public NpgsqlDataSource Database { get; private set; } = null!;

    public UsageIngest.UsageIngestClient Ingest { get; private set; } = null!;

    public AnalyticsContract.AnalyticsClient Query { get; private set; } = null!;

    public KeyVaultAdmin.KeyVaultAdminClient KeyVaultAdmin { get; private set; } = null!;

    /// <summary>Tenant policies (budgets) as Analytics reads them from Config.</summary>
    public FakeConfigServer Config => _config!;

    public async Task InitializeAsync()
    {
        _postgres = await PostgresServer.StartAsync();
        var analyticsDb = await _postgres.CreateDatabaseAsync("analytics");
        var keyVaultDb = await _postgres.CreateDatabaseAsync("keyvault");
        Database = NpgsqlDataSource.Create(analyticsDb);

        var keyVaultSettings = TestSecrets.Settings();
        keyVaultSettings["ConnectionStrings:keyvaultdb"] = keyVaultDb;
        keyVaultSettings["KeyVault:MasterKey"] = TestSecrets.MasterKey;
        _keyVault = new ServiceHost<KeyVaultProgram>(keyVaultSettings).Start();
        _keyVaultChannel = _keyVault.CreateGrpcChannel();
        KeyVaultAdmin = new KeyVaultAdmin.KeyVaultAdminClient(_keyVaultChannel);

        _config = await FakeConfigServer.StartAsync();
        var settings = Settings(analyticsDb, _keyVault.GrpcAddress, _config.GrpcAddress);
        // The retention job runs every second and keeps ten years: only tests that ingest older rows see it act.
        settings["Analytics:RequestLogRetention"] = RetentionDays.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Analytics:RetentionInterval"] = "00:00:01";
        _analytics = new ServiceHost<Program>(settings).Start();
        _analyticsChannel = _analytics.CreateGrpcChannel();
        Ingest = new UsageIngest.UsageIngestClient(_analyticsChannel);
        Query = new AnalyticsContract.AnalyticsClient(_analyticsChannel);
    }

    public async Task DisposeAsync()
    {
        _analyticsChannel?.Dispose();
        _keyVaultChannel?.Dispose();
        if (_analytics is not null)
        {
            await _analytics.DisposeAsync();
        }

        if (_keyVault is not null)
        {
            await _keyVault.DisposeAsync();
        }

        if (_config is not null)
        {
            await _config.DisposeAsync();
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

    /// <summary>Days of request log the shared Analytics host keeps. Tests must not ingest rows older than this
    /// unless they test retention.</summary>
    public const int RetentionDays = 3650;

    /// <summary>The settings Analytics reads in production.</summary>
    public static Dictionary<string, string?> Settings(string connectionString, Uri keyVaultGrpcAddress, Uri? configGrpcAddress = null)
    {
        var settings = TestSecrets.Settings();
        settings["ConnectionStrings:analyticsdb"] = connectionString;
        settings["services:keyvault:grpc:0"] = keyVaultGrpcAddress.ToString();
        // A closed port when not given: Config is then unreachable.
        settings["services:config:grpc:0"] = (configGrpcAddress ?? new Uri("http://127.0.0.1:9")).ToString();
        return settings;
    }

    /// <summary>A tenant id no other test uses (and valid for KeyVault: lowercase letters, digits, '-').</summary>
    public static string NewTenantId(string purpose) => $"{purpose}-{Guid.NewGuid():N}";

    /// <summary>Creates a tenant in KeyVault and a gateway key for it; returns the key's secret.</summary>
    public async Task<string> CreateGatewayKeyAsync(string tenantId)
    {
        await KeyVaultAdmin.CreateTenantAsync(new CreateTenantRequest { Id = tenantId, DisplayName = tenantId }, AdminHeaders);
        var key = await KeyVaultAdmin.CreateApiKeyAsync(new CreateApiKeyRequest { TenantId = tenantId, Name = "analytics-test" },
            AdminHeaders);
        return key.Secret;
    }

    /// <summary>Waits (bounded) until the background roller has moved every queued event of the tenant into the
    /// rollup tables. Queries are exact without this; only tests that read the rollup tables directly need it.</summary>
    public async Task WaitForRollupsAsync(string tenantId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (await PendingRowsAsync(tenantId) > 0)
        {
            Assert.True(DateTime.UtcNow < deadline, $"the roller did not drain the pending rows of {tenantId} in time");
            await Task.Delay(50);
        }
    }

    /// <summary>Events of the tenant queued for the rollups and not yet moved.</summary>
    public async Task<long> PendingRowsAsync(string tenantId)
    {
        await using var command = Database.CreateCommand("SELECT count(*) FROM usage_rollup_pending WHERE tenant_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenantId });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Holds the rollers' advisory lock on a connection of its own until disposed: the service's roller
    /// moves nothing meanwhile (it waits for a running chunk to finish first).</summary>
    public async Task<IAsyncDisposable> PauseRollupsAsync()
    {
        var connection = await Database.OpenConnectionAsync();
        await RollerLockAsync(connection, "pg_advisory_lock");
        return new RollerPause(connection);
    }

    private static async Task RollerLockAsync(NpgsqlConnection connection, string function)
    {
        await using var command = new NpgsqlCommand($"SELECT {function}($1)", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = RollupSql.RollerLockKey });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Unlocks explicitly: a pooled connection keeps its session (and its locks) after being closed.</summary>
    private sealed class RollerPause(NpgsqlConnection connection) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await RollerLockAsync(connection, "pg_advisory_unlock");
            await connection.DisposeAsync();
        }
    }

    /// <summary>The tenant's rollup over the default range (the last 30 days), as the admin.</summary>
    public async Task<GetCostRollupResponse> RollupAsync(string tenantId, params GroupBy[] groupBy)
    {
        var request = new GetCostRollupRequest { TenantId = tenantId };
        request.GroupBy.AddRange(groupBy);
        return await Query.GetCostRollupAsync(request, AdminHeaders);
    }
}

[CollectionDefinition(Name)]
public sealed class AnalyticsCollection : ICollectionFixture<AnalyticsFixture>
{
    public const string Name = "Analytics";
}
