extern alias edge;

using System.Diagnostics;
using System.Net;
using Gateway.Testing.Providers;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Gateway.Edge.Tests.Caching;

/// <summary>Retention, isolation, caching turned on by config or policy, the Cache service down, and identical
/// concurrent requests on a cold key.</summary>
[Collection(CacheEdgeCollection.Name)]
public sealed class CacheBehaviourTests(CacheEdgeFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private FakeOpenAiServer _provider = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _provider = await FakeOpenAiServer.StartAsync();
        _client = fixture.Edge.CreateHttpClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task An_entry_expires_after_its_max_age()
    {
        var (tenant, key) = await TenantAsync();
        var body = UniqueBody();
        var first = await SendAsync(tenant, key, body, ("x-gateway-cache", "true"), ("Cache-Control", "max-age=1"));
        Assert.Equal("MISS", first.Cache);

        // Redis expires the entry after a second; poll (bounded) until a request misses again.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        var hits = 0;
        while (true)
        {
            Assert.True(DateTime.UtcNow < deadline, "The entry never expired.");
            var call = await SendAsync(tenant, key, body, ("x-gateway-cache", "true"), ("Cache-Control", "max-age=1"));
            if (call.Cache == "MISS")
            {
                break;
            }

            hits++;
            await Task.Delay(100);
        }

        Assert.Equal(2, _provider.Requests.Count);
        output.WriteLine($"hits before expiry: {hits}");
    }

    [Fact]
    public async Task Two_tenants_never_share_an_entry()
    {
        var (first, firstKey) = await TenantAsync();
        var (second, secondKey) = await TenantAsync();
        var body = UniqueBody();

        var a = await SendAsync(first, firstKey, body, ("x-gateway-cache", "true"));
        await CacheCall.EventuallyAsync(() => fixture.CacheClient.FlightsInProgress == 0, "The entry was never stored.");
        var b = await SendAsync(second, secondKey, body, ("x-gateway-cache", "true"));
        var aAgain = await SendAsync(first, firstKey, body, ("x-gateway-cache", "true"));

        Assert.Equal(("MISS", "MISS", "HIT"), (a.Cache, b.Cache, aAgain.Cache));
        // Same content, same provider and model: the same content key, partitioned by tenant in the Cache service.
        Assert.Equal(a.Key, b.Key);
        Assert.Equal(2, _provider.Requests.Count);
    }

    [Fact]
    public async Task A_routing_config_with_a_cache_block_turns_caching_on()
    {
        var (tenant, key) = await TenantAsync();
        var body = UniqueBody();
        const string config = """{"cache":{"mode":"simple","max_age":600}}""";

        var miss = await SendAsync(tenant, key, body, ("x-gateway-config", config));
        var hit = await SendAsync(tenant, key, body, ("x-gateway-config", config));
        var off = await SendAsync(tenant, key, body, ("x-gateway-config", config), ("x-gateway-cache", "false"));

        Assert.Equal(("MISS", "HIT", null), (miss.Cache, hit.Cache, off.Cache));
        Assert.Equal(2, _provider.Requests.Count);
    }

    [Fact]
    public async Task A_tenant_policy_with_caching_enabled_turns_caching_on()
    {
        var tenant = await fixture.CreateCachingTenantAsync();
        var key = await fixture.CreateVirtualKeyAsync(tenant, _provider.BaseUrl);
        var body = UniqueBody();

        var miss = await SendAsync(tenant, key, body);
        var hit = await SendAsync(tenant, key, body);

        Assert.Equal((HttpStatusCode.OK, "MISS"), (miss.Status, miss.Cache));
        Assert.Equal((HttpStatusCode.OK, "HIT"), (hit.Status, hit.Cache));
        Assert.Single(_provider.Requests);
    }

    [Fact]
    public async Task With_the_cache_service_down_requests_succeed_uncached_and_quickly()
    {
        var (tenant, key) = await TenantAsync();
        using var client = fixture.EdgeWithoutCache.CreateHttpClient();
        var body = UniqueBody();

        var watch = Stopwatch.StartNew();
        var first = await CacheCall.SendAsync(client, CacheEdgeFixture.Request(body, tenant, key, ("x-gateway-cache", "true")));
        watch.Stop();
        // The failed store is given up off the request path; until then an identical request would be served the
        // in-flight answer from memory, so wait for it to be over.
        var cache = fixture.EdgeWithoutCache.Services.GetRequiredService<edge::Gateway.Edge.Caching.ResponseCacheClient>();
        await CacheCall.EventuallyAsync(() => cache.FlightsInProgress == 0, "The failed store never finished.");
        var second = await CacheCall.SendAsync(client, CacheEdgeFixture.Request(body, tenant, key, ("x-gateway-cache", "true")));

        Assert.Equal((HttpStatusCode.OK, "MISS"), (first.Status, first.Cache));
        Assert.Equal((HttpStatusCode.OK, "MISS"), (second.Status, second.Cache));
        Assert.Equal(2, _provider.Requests.Count);
        // Bounded by the lookup deadline (200 ms in this fixture, 50 ms by default), not by retries or connect timeouts.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(3), $"The request took {watch.Elapsed}.");
        Assert.Equal("MISS", (await fixture.Usage.SingleAsync(second.TraceId)).CacheStatus);
        output.WriteLine($"first request with the cache down: {watch.Elapsed.TotalMilliseconds:F0} ms");
    }

    [Fact]
    public async Task Hundred_identical_concurrent_requests_on_a_cold_key_reach_the_provider_once()
    {
        var (tenant, key) = await TenantAsync();
        var body = UniqueBody();
        // A slow provider keeps the first request in flight while the others arrive.
        _provider.HeadersDelay = TimeSpan.FromMilliseconds(500);

        var calls = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ =>
            Task.Run(() => SendAsync(tenant, key, body, ("x-gateway-cache", "true")))));

        output.WriteLine($"provider requests for 100 concurrent identical requests: {_provider.Requests.Count}");
        Assert.All(calls, call => Assert.Equal(HttpStatusCode.OK, call.Status));
        Assert.Equal(1, calls.Count(call => call.Cache == "MISS"));
        Assert.Equal(99, calls.Count(call => call.Cache == "HIT"));
        Assert.Single(_provider.Requests);
        Assert.All(calls, call => Assert.Equal(calls[0].Body, call.Body));
    }

    [Fact]
    public async Task Hit_latency_through_the_edge_is_reported()
    {
        var (tenant, key) = await TenantAsync();
        var body = UniqueBody();
        var stored = await SendAsync(tenant, key, body, ("x-gateway-cache", "true"));
        await CacheCall.EventuallyAsync(() => fixture.CacheClient.FlightsInProgress == 0, "The entry was never stored.");

        // Not asserted (timing is not a unit test's business): printed for the record, client round trip and the
        // gateway's own latency from the usage event.
        const int count = 1000;
        var roundTrips = new double[count];
        var traces = new string[count];
        for (var i = 0; i < count; i++)
        {
            var watch = Stopwatch.StartNew();
            var call = await SendAsync(tenant, key, body, ("x-gateway-cache", "true"));
            roundTrips[i] = watch.Elapsed.TotalMicroseconds;
            traces[i] = call.TraceId;
            Assert.Equal("HIT", call.Cache);
        }

        var gateway = await GatewayLatenciesAsync(traces);

        // For comparison: the same request uncached, answered by the in-process fake provider.
        const int uncachedCount = 200;
        var uncachedTraces = new string[uncachedCount];
        for (var i = 0; i < uncachedCount; i++)
        {
            uncachedTraces[i] = (await SendAsync(tenant, key, body, ("x-gateway-cache", "false"))).TraceId;
        }

        var uncached = await GatewayLatenciesAsync(uncachedTraces);

        // The share of the Cache service hop: the same lookup straight over gRPC from here.
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(fixture.CacheGrpcAddress);
        var cacheService = new Gateway.Contracts.Cache.V1.Cache.CacheClient(channel);
        var lookups = new double[count];
        for (var i = 0; i < count; i++)
        {
            var watch = Stopwatch.StartNew();
            await cacheService.GetAsync(new Gateway.Contracts.Cache.V1.CacheGetRequest { TenantId = tenant.Id, Key = new string('0', 64) },
                Gateway.Testing.TestSecrets.Bearer(Gateway.Testing.TestSecrets.InternalToken));
            lookups[i] = watch.Elapsed.TotalMicroseconds;
        }

        // The Edge's own cache client (resilience handler, service discovery, deadline) on the same entry.
        var directive = edge::Gateway.Edge.Caching.CacheDirective.Read(
            new Microsoft.AspNetCore.Http.HeaderDictionary { ["x-gateway-cache"] = "true" },
            edge::Gateway.Edge.Caching.CacheLevel.Unset, edge::Gateway.Edge.Caching.CacheLevel.Unset).Value!;
        var edgeLookups = new double[count];
        for (var i = 0; i < count; i++)
        {
            var watch = Stopwatch.StartNew();
            using var lookup = await fixture.CacheClient.LookupAsync(tenant.Id, directive, stored.Key!, CancellationToken.None);
            edgeLookups[i] = watch.Elapsed.TotalMicroseconds;
            Assert.True(lookup.IsHit);
        }

        Array.Sort(roundTrips);
        Array.Sort(lookups);
        Array.Sort(edgeLookups);
        output.WriteLine($"{count} sequential hits: client round trip p50 {roundTrips[count / 2]:F0} us, p99 {roundTrips[count * 99 / 100]:F0} us; "
                         + $"gateway latency_us p50 {gateway[count / 2]:F0} us, p99 {gateway[count * 99 / 100]:F0} us; "
                         + $"direct Cache.Get p50 {lookups[count / 2]:F0} us; "
                         + $"Edge cache client lookup p50 {edgeLookups[count / 2]:F0} us; uncached (fake provider) latency_us p50 {uncached[uncachedCount / 2]:F0} us");
        Assert.Equal(1 + uncachedCount, _provider.Requests.Count);
    }

    /// <summary>The usage events' latency_us of the given requests, sorted (events are recorded after each response).</summary>
    private async Task<double[]> GatewayLatenciesAsync(string[] traces)
    {
        var latencies = new double[traces.Length];
        for (var i = 0; i < traces.Length; i++)
        {
            var trace = traces[i];
            await CacheCall.EventuallyAsync(() => fixture.Usage.ForTrace(trace).Count > 0, "A usage event never arrived.");
            latencies[i] = fixture.Usage.ForTrace(trace)[0].LatencyUs;
        }

        Array.Sort(latencies);
        return latencies;
    }

    private async Task<(TestTenant Tenant, string VirtualKey)> TenantAsync()
    {
        var tenant = await fixture.CreateTenantAsync();
        return (tenant, await fixture.CreateVirtualKeyAsync(tenant, _provider.BaseUrl));
    }

    private Task<CacheCall> SendAsync(TestTenant tenant, string virtualKey, string body, params (string Name, string Value)[] headers) =>
        CacheCall.SendAsync(_client, CacheEdgeFixture.Request(body, tenant, virtualKey, headers));

    private static string UniqueBody() =>
        ChatRequests.Body().Replace("Say hello to the gateway", "Say hello " + Guid.NewGuid().ToString("N"), StringComparison.Ordinal);
}
