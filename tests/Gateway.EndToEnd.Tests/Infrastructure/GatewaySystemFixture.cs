extern alias analytics;
extern alias cache;
extern alias config;
extern alias edge;
extern alias keyvault;

using Gateway.Contracts.Analytics.V1;
using Gateway.Testing;
using Gateway.Testing.Dapr;
using Gateway.Testing.Providers;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;

namespace Gateway.EndToEnd.Tests.Infrastructure;

/// <summary>The whole system, once per test run: real PostgreSQL and Redis, the five services on real sockets, a
/// fake OpenAI upstream and a fake Dapr sidecar. Two Edges share the other services (and Redis, for limits): one sends usage straight to
/// Analytics' ingest RPC (the ./run.sh path), the other publishes through the Dapr sidecar (the Aspire/Kubernetes path).</summary>
public sealed class GatewaySystemFixture : IAsyncLifetime
{
    private readonly List<IAsyncDisposable> _owned = [];
    private GrpcChannel? _keyVaultChannel;
    private GrpcChannel? _analyticsChannel;

    public FakeOpenAiServer Upstream { get; private set; } = null!;

    /// <summary>Delivers every message twice, as Dapr may after a redelivery: counts must not double.</summary>
    public FakeDaprSidecar Sidecar { get; } = new(new FakeDaprSidecarOptions { DeliverEachMessageTimes = 2 });

    public Uri DirectEdge { get; private set; } = null!;

    public Uri DaprEdge { get; private set; } = null!;

    public Uri AnalyticsGrpc { get; private set; } = null!;

    public Uri KeyVaultGrpc { get; private set; } = null!;

    public Uri ConfigGrpc { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var postgres = Own(await PostgresServer.StartAsync());
        var redis = Own(await RedisServer.StartAsync());
        Upstream = Own(await FakeOpenAiServer.StartAsync());

        var keyVault = Start(new ServiceHost<keyvault::Program>(TestSecrets.With(new()
        {
            ["ConnectionStrings:keyvaultdb"] = await postgres.CreateDatabaseAsync("keyvaultdb"),
            ["KeyVault:MasterKey"] = TestSecrets.MasterKey,
        })));
        var configService = Start(new ServiceHost<config::Program>(TestSecrets.With(new()
        {
            ["ConnectionStrings:configdb"] = await postgres.CreateDatabaseAsync("configdb"),
        })));
        var cacheService = Start(new ServiceHost<cache::Program>(TestSecrets.With(new()
        {
            ["ConnectionStrings:redis"] = redis.ConnectionString,
        })));
        var analyticsService = Start(new ServiceHost<analytics::Program>(TestSecrets.With(new()
        {
            ["ConnectionStrings:analyticsdb"] = await postgres.CreateDatabaseAsync("analyticsdb"),
            ["services:keyvault:grpc:0"] = keyVault.GrpcAddress.ToString(),
        })));
        await Sidecar.StartAsync(analyticsService.HttpAddress);
        _owned.Add(Sidecar);

        Dictionary<string, string?> EdgeSettings(string transport) => TestSecrets.With(new()
        {
            ["services:keyvault:grpc:0"] = keyVault.GrpcAddress.ToString(),
            ["services:config:grpc:0"] = configService.GrpcAddress.ToString(),
            ["services:cache:grpc:0"] = cacheService.GrpcAddress.ToString(),
            ["services:analytics:grpc:0"] = analyticsService.GrpcAddress.ToString(),
            // Budgets and rate limits are enforced end to end; a generous timeout so a loaded machine does not fail open.
            ["ConnectionStrings:redis"] = redis.ConnectionString,
            ["Edge:Limits:OperationTimeout"] = "00:00:10",
            ["Usage:Transport"] = transport,
            ["Usage:FlushInterval"] = "00:00:00.050",
            ["DAPR_GRPC_ENDPOINT"] = transport == "Dapr" ? Sidecar.GrpcEndpoint : null,
        });
        DirectEdge = Start(new ServiceHost<edge::Program>(EdgeSettings("Direct"))).HttpAddress;
        DaprEdge = Start(new ServiceHost<edge::Program>(EdgeSettings("Dapr"))).HttpAddress;

        KeyVaultGrpc = keyVault.GrpcAddress;
        ConfigGrpc = configService.GrpcAddress;
        AnalyticsGrpc = analyticsService.GrpcAddress;
        _keyVaultChannel = GrpcChannel.ForAddress(KeyVaultGrpc);
        _analyticsChannel = GrpcChannel.ForAddress(AnalyticsGrpc);
    }

    /// <summary>A fresh tenant (see <see cref="TestTenants.CreateAsync"/>). Each test takes its own, so rollups never mix.</summary>
    public Task<TestTenant> CreateTenantAsync() => TestTenants.CreateAsync(_keyVaultChannel!, "e2e", Upstream.BaseUrl);

    /// <summary>Polls the Analytics API (as the operator) until the tenant's rollup satisfies
    /// <paramref name="condition"/>: usage is delivered asynchronously, after the response.</summary>
    public async Task<GetCostRollupResponse> WaitForRollupAsync(string tenantId, Func<GetCostRollupResponse, bool> condition)
    {
        var client = new Analytics.AnalyticsClient(_analyticsChannel);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (true)
        {
            var rollup = await client.GetCostRollupAsync(
                new GetCostRollupRequest { TenantId = tenantId, EndTime = Timestamp.FromDateTime(DateTime.UtcNow.AddMinutes(1)) },
                TestSecrets.Bearer(TestSecrets.AdminToken));
            if (condition(rollup))
            {
                return rollup;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The rollup for {tenantId} never reached the expected state; last: {rollup}");
            }

            await Task.Delay(50);
        }
    }

    public async Task DisposeAsync()
    {
        _keyVaultChannel?.Dispose();
        _analyticsChannel?.Dispose();
        // Reverse order: the Edges flush usage into Analytics before Analytics and the databases go away.
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }
    }

    private T Own<T>(T resource) where T : IAsyncDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    private ServiceHost<TProgram> Start<TProgram>(ServiceHost<TProgram> host) where TProgram : class => Own(host).Start();
}

public sealed record TestTenant(string Id, string ApiKey);

[CollectionDefinition(Name)]
public sealed class GatewaySystemCollection : ICollectionFixture<GatewaySystemFixture>
{
    public const string Name = "gateway system";
}
