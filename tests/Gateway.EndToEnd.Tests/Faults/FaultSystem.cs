extern alias analytics;
extern alias cache;
extern alias config;
extern alias edge;
extern alias keyvault;

using Gateway.Contracts.Analytics.V1;
using Gateway.Contracts.KeyVault.V1;
using Gateway.Contracts.Usage.V1;
using Gateway.EndToEnd.Tests.Infrastructure;
using Gateway.Testing;
using Gateway.Testing.Dapr;
using Gateway.Testing.Providers;
using Google.Protobuf.WellKnownTypes;
using Grpc.Net.Client;
using AnalyticsApi = Gateway.Contracts.Analytics.V1.Analytics;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.EndToEnd.Tests.Faults;

/// <summary>A whole gateway for one fault scenario: its own PostgreSQL and Redis, the five services on real sockets, a
/// fake upstream, a fake Dapr sidecar and two Edges (direct gRPC and Dapr usage transport). Unlike
/// <see cref="GatewaySystemFixture"/>, which the other tests share, its parts can be broken: Analytics replaced by a
/// new host on the same ports and database, Redis and PostgreSQL stopped and restarted with their data.</summary>
internal sealed class FaultSystem : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<IAsyncDisposable> _edges = [];
    private readonly Dictionary<string, string?> _edgeSettings;
    private GrpcChannel _keyVaultChannel = null!;
    private GrpcChannel _configChannel = null!;
    private GrpcChannel _analyticsChannel = null!;
    private Uri _cacheGrpc = null!;

    private FaultSystem(Dictionary<string, string?> edgeSettings) => _edgeSettings = edgeSettings;

    public PostgresServer Postgres { get; private set; } = null!;

    public RedisServer Redis { get; private set; } = null!;

    public FakeOpenAiServer Upstream { get; private set; } = null!;

    /// <summary>Delivers every message twice (Dapr is at-least-once) and, like Dapr with a Resiliency retry policy
    /// on the pubsub inbound target, retries a failed delivery with exponential backoff capped at 5 s. Unlike
    /// deploy/kubernetes/base/dapr/resiliency.yaml (60 retries, at least about 4.5 minutes) it never gives up, so a
    /// test's outage is never cut short by a retry budget.</summary>
    public FakeDaprSidecar Sidecar { get; } = new(new FakeDaprSidecarOptions
    {
        DeliverEachMessageTimes = 2,
        MaxAttempts = int.MaxValue,
        RetryDelay = TimeSpan.FromMilliseconds(500),
        MaxRetryDelay = TimeSpan.FromSeconds(5),
    });

    public ServiceHost<keyvault::Program> KeyVault { get; private set; } = null!;

    public ServiceHost<config::Program> Config { get; private set; } = null!;

    public ServiceHost<analytics::Program> Analytics { get; private set; } = null!;

    /// <summary>Sends usage straight to Analytics' ingest RPC (the ./run.sh path).</summary>
    public ServiceHost<edge::Program> DirectEdge { get; private set; } = null!;

    /// <summary>Publishes usage through the Dapr sidecar (the Aspire/Kubernetes path).</summary>
    public ServiceHost<edge::Program> DaprEdge { get; private set; } = null!;

    /// <param name="edgeSettings">Extra settings of both Edges (and of those <see cref="StartEdge"/> adds).</param>
    public static async Task<FaultSystem> StartAsync(IReadOnlyDictionary<string, string?>? edgeSettings = null)
    {
        var system = new FaultSystem(new Dictionary<string, string?>(edgeSettings ?? new Dictionary<string, string?>()));
        try
        {
            await system.InitializeAsync();
            return system;
        }
        catch
        {
            await system.DisposeAsync();
            throw;
        }
    }

    /// <summary>Another Edge on the same services, owned by the system (disposing it earlier is fine).</summary>
    public ServiceHost<edge::Program> StartEdge(string transport, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var all = TestSecrets.With(new()
        {
            ["services:keyvault:grpc:0"] = KeyVault.GrpcAddress.ToString(),
            ["services:config:grpc:0"] = Config.GrpcAddress.ToString(),
            ["services:cache:grpc:0"] = _cacheGrpc.ToString(),
            ["services:analytics:grpc:0"] = Analytics.GrpcAddress.ToString(),
            ["ConnectionStrings:redis"] = Redis.ConnectionString,
            // Generous for a loaded machine, still bounded: while Redis is down each limits call costs this much.
            ["Edge:Limits:OperationTimeout"] = "00:00:02",
            ["Usage:Transport"] = transport,
            // Catch up within a couple of seconds once Analytics is back (the default backoff cap is 10 s).
            ["Usage:MaxRetryDelay"] = "00:00:02",
            ["DAPR_GRPC_ENDPOINT"] = transport == "Dapr" ? Sidecar.GrpcEndpoint : null,
        });
        foreach (var (key, value) in _edgeSettings)
        {
            all[key] = value;
        }

        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            all[key] = value;
        }

        var edgeHost = new ServiceHost<edge::Program>(all);
        _edges.Add(edgeHost);
        return edgeHost.Start();
    }

    /// <summary>Analytics goes away (its ports refuse connections) until <see cref="RestartAnalytics"/>.</summary>
    public async Task StopAnalyticsAsync() => await Analytics.DisposeAsync();

    /// <summary>A new Analytics host on the same ports and database, as after a crash and restart.</summary>
    public void RestartAnalytics() => Analytics = Own(Analytics.CreateReplacement()).Start();

    /// <summary>A fresh tenant (see <see cref="TestTenants.CreateAsync"/>) with an empty policy.</summary>
    public Task<TestTenant> CreateTenantAsync() => TestTenants.CreateAsync(_keyVaultChannel, "fault", Upstream.BaseUrl);

    /// <summary>A virtual key (provider openai) of the tenant pointing at <paramref name="baseUrl"/>.</summary>
    public async Task CreateVirtualKeyAsync(string tenantId, string slug, string baseUrl) =>
        await new KeyVaultAdmin.KeyVaultAdminClient(_keyVaultChannel).CreateVirtualKeyAsync(new CreateVirtualKeyRequest
        {
            TenantId = tenantId, Slug = slug, Provider = "openai", Credential = "sk-fault-secret", BaseUrl = baseUrl,
        }, TestSecrets.Bearer(TestSecrets.AdminToken));

    public async Task PutPolicyAsync(string tenantId, ConfigV1.TenantPolicyLimits limits) =>
        await new ConfigV1.Config.ConfigClient(_configChannel).PutTenantPolicyAsync(
            new ConfigV1.PutTenantPolicyRequest { TenantId = tenantId, Limits = limits }, TestSecrets.Bearer(TestSecrets.AdminToken));

    /// <summary>Every event of the tenant in Analytics' request log (all pages).</summary>
    public async Task<List<UsageEvent>> ListRequestsAsync(string tenantId)
    {
        var client = new AnalyticsApi.AnalyticsClient(_analyticsChannel);
        var events = new List<UsageEvent>();
        var request = new ListRequestsRequest { TenantId = tenantId, PageSize = 1000 };
        while (true)
        {
            var page = await client.ListRequestsAsync(request, TestSecrets.Bearer(TestSecrets.AdminToken));
            events.AddRange(page.Requests);
            if (string.IsNullOrEmpty(page.NextPageToken))
            {
                return events;
            }

            request.PageToken = page.NextPageToken;
        }
    }

    /// <summary>Waits until Analytics holds at least <paramref name="count"/> events of the tenant: usage flows
    /// end to end (keys resolved, publisher and sidecar delivering) before a fault is injected.</summary>
    public async Task WaitForEventCountAsync(string tenantId, int count)
    {
        var deadline = DateTime.UtcNow + FaultDurations.Settle;
        while ((await ListRequestsAsync(tenantId)).Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Analytics never held {count} events of {tenantId}.");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Polls Analytics until the event of the request with <paramref name="traceId"/> is stored.</summary>
    public async Task<UsageEvent> WaitForEventAsync(string tenantId, string traceId)
    {
        var deadline = DateTime.UtcNow + FaultDurations.Settle;
        while (true)
        {
            if ((await ListRequestsAsync(tenantId)).FirstOrDefault(e => e.TraceId == traceId) is { } found)
            {
                return found;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"No usage event for {traceId} in Analytics after {FaultDurations.Settle}.");
            }

            await Task.Delay(100);
        }
    }

    public async Task<GetCostRollupResponse> RollupAsync(string tenantId) =>
        await new AnalyticsApi.AnalyticsClient(_analyticsChannel).GetCostRollupAsync(
            new GetCostRollupRequest { TenantId = tenantId, EndTime = Timestamp.FromDateTime(DateTime.UtcNow.AddMinutes(1)) },
            TestSecrets.Bearer(TestSecrets.AdminToken));

    /// <summary>Waits (up to <paramref name="timeout"/>) until Analytics holds as many events of the tenant as
    /// <paramref name="traceIds"/> has, then asserts that the request log holds exactly one event per trace id (none
    /// missing, none twice, nothing else) and that the rollup counts each request once. Returns the events.</summary>
    public async Task<List<UsageEvent>> AssertEveryEventOnceAsync(string tenantId, IReadOnlyCollection<string> traceIds, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        var events = await ListRequestsAsync(tenantId);
        while (traceIds.Except(events.Select(e => e.TraceId)).Any() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(200);
            events = await ListRequestsAsync(tenantId);
        }

        var missing = traceIds.Except(events.Select(e => e.TraceId)).ToList();
        Assert.True(missing.Count == 0,
            $"{missing.Count} of {traceIds.Count} requests have no usage event in Analytics after {timeout}: {string.Join(", ", missing.Take(10))}");
        Assert.Equal(traceIds.Order(StringComparer.Ordinal), events.Select(e => e.TraceId).Order(StringComparer.Ordinal));
        Assert.Equal(events.Count, events.Select(e => e.EventId).Distinct().Count());
        var rollup = await RollupAsync(tenantId);
        Assert.Equal(traceIds.Count, rollup.Totals.Requests);
        return events;
    }

    public async ValueTask DisposeAsync()
    {
        _keyVaultChannel?.Dispose();
        _configChannel?.Dispose();
        _analyticsChannel?.Dispose();
        // The Edges first (they flush usage into Analytics), then the rest in reverse order of start.
        var all = _edges.Concat(Enumerable.Reverse(_owned)).ToList();
        foreach (var resource in all)
        {
            try
            {
                await resource.DisposeAsync();
            }
            catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or IOException)
            {
                // A part a test already stopped (e.g. a killed Redis) must not hide the test's own outcome.
            }
        }
    }

    private async Task InitializeAsync()
    {
        Postgres = Own(await PostgresServer.StartAsync());
        Redis = Own(await RedisServer.StartAsync());
        Upstream = Own(await FakeOpenAiServer.StartAsync());

        KeyVault = Own(new ServiceHost<keyvault::Program>(TestSecrets.With(new()
        {
            ["ConnectionStrings:keyvaultdb"] = await Postgres.CreateDatabaseAsync("keyvaultdb"),
            ["KeyVault:MasterKey"] = TestSecrets.MasterKey,
        }))).Start();
        Config = Own(new ServiceHost<config::Program>(TestSecrets.With(new()
        {
            ["ConnectionStrings:configdb"] = await Postgres.CreateDatabaseAsync("configdb"),
        }))).Start();
        var cacheService = Own(new ServiceHost<cache::Program>(TestSecrets.With(new()
        {
            ["ConnectionStrings:redis"] = Redis.ConnectionString,
        }))).Start();
        _cacheGrpc = cacheService.GrpcAddress;
        Analytics = Own(new ServiceHost<analytics::Program>(TestSecrets.With(new()
        {
            ["ConnectionStrings:analyticsdb"] = await Postgres.CreateDatabaseAsync("analyticsdb"),
            ["services:keyvault:grpc:0"] = KeyVault.GrpcAddress.ToString(),
        }))).Start();
        await Sidecar.StartAsync(Analytics.HttpAddress);
        _owned.Add(Sidecar);

        DirectEdge = StartEdge("Direct");
        DaprEdge = StartEdge("Dapr");
        _keyVaultChannel = GrpcChannel.ForAddress(KeyVault.GrpcAddress);
        _configChannel = GrpcChannel.ForAddress(Config.GrpcAddress);
        _analyticsChannel = GrpcChannel.ForAddress(Analytics.GrpcAddress);
    }

    private T Own<T>(T resource) where T : IAsyncDisposable
    {
        _owned.Add(resource);
        return resource;
    }
}
