extern alias cache;
extern alias edge;

using Gateway.Testing;
using edge::Gateway.Edge.Caching;
using Microsoft.Extensions.DependencyInjection;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Edge.Tests.Caching;

/// <summary>The Edge with the response cache wired to a REAL Cache service (on the fixture's real Redis), on top of
/// an <see cref="EdgeFixture"/> of its own (KeyVault, Config, PostgreSQL, Redis). A second Edge points its cache at a
/// port nothing listens on (the Cache service down). Tests isolate themselves with their own tenant and fake provider.</summary>
public sealed class CacheEdgeFixture : IAsyncLifetime
{
    private readonly EdgeFixture _base = new();
    private ServiceHost<cache::Program>? _cache;

    public ServiceHost<edge::Program> Edge { get; private set; } = null!;

    /// <summary>An Edge whose Cache service address answers nothing.</summary>
    public ServiceHost<edge::Program> EdgeWithoutCache { get; private set; } = null!;

    public CapturingUsageRecorder Usage { get; } = new();

    public ConfigV1.Config.ConfigClient ConfigAdmin => _base.ConfigAdmin;

    public Uri CacheGrpcAddress => _cache!.GrpcAddress;

    /// <summary>The cache client of <see cref="Edge"/> (to wait for stores to land).</summary>
    internal ResponseCacheClient CacheClient => Edge.Services.GetRequiredService<ResponseCacheClient>();

    public async Task InitializeAsync()
    {
        await _base.InitializeAsync();
        var cacheSettings = TestSecrets.Settings();
        cacheSettings["ConnectionStrings:redis"] = _base.Redis.ConnectionString;
        _cache = new ServiceHost<cache::Program>(cacheSettings).Start();

        // Generous deadlines: on a loaded test machine a 50 ms lookup deadline would turn hits into misses.
        Edge = _base.StartEdge(_base.KeyVaultGrpcAddress, Usage, new()
        {
            ["services:cache:grpc:0"] = _cache.GrpcAddress.ToString(),
            ["Edge:Cache:GetTimeout"] = "00:00:03",
            ["Edge:Cache:PutTimeout"] = "00:00:05",
        });
        EdgeWithoutCache = _base.StartEdge(_base.KeyVaultGrpcAddress, Usage, new()
        {
            ["services:cache:grpc:0"] = $"http://127.0.0.1:{FreePort.Next()}",
            ["Edge:Cache:GetTimeout"] = "00:00:00.200",
            // The Cache service's outage itself is under test: without the hot tier, which would keep serving the
            // answers this Edge stored (HotEntryTierTests covers that).
            ["Edge:Cache:HotTtl"] = "00:00:00",
        });
    }

    public Task<TestTenant> CreateTenantAsync() => _base.CreateTenantAsync();

    /// <summary>A tenant whose policy caches by default (<c>cache_enabled</c>), set before its first request.</summary>
    public async Task<TestTenant> CreateCachingTenantAsync()
    {
        var tenant = await _base.CreateTenantAsync();
        await ConfigAdmin.PutTenantPolicyAsync(new ConfigV1.PutTenantPolicyRequest
        {
            TenantId = tenant.Id,
            Limits = new ConfigV1.TenantPolicyLimits { CacheEnabled = true, CacheMaxAgeSeconds = 3600 },
        }, TestSecrets.Bearer(TestSecrets.AdminToken));
        return tenant;
    }

    public async Task<string> CreateVirtualKeyAsync(TestTenant tenant, string baseUrl) =>
        (await _base.CreateVirtualKeyAsync(tenant, "openai", baseUrl)).Slug;

    /// <summary>A chat completion request with the gateway key, virtual key, a new trace id and extra headers.</summary>
    public static HttpRequestMessage Request(string body, TestTenant tenant, string virtualKey, params (string Name, string Value)[] headers)
    {
        var request = ChatRequests.Create(body, tenant, virtualKey, ChatRequests.NewTraceId());
        foreach (var (name, value) in headers)
        {
            // Unvalidated, so malformed Cache-Control values reach the gateway as a client would send them.
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    public async Task DisposeAsync()
    {
        if (Edge is not null)
        {
            await Edge.DisposeAsync();
        }

        if (EdgeWithoutCache is not null)
        {
            await EdgeWithoutCache.DisposeAsync();
        }

        if (_cache is not null)
        {
            await _cache.DisposeAsync();
        }

        await _base.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class CacheEdgeCollection : ICollectionFixture<CacheEdgeFixture>
{
    public const string Name = "edge with cache";
}
