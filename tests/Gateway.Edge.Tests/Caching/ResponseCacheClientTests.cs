extern alias edge;

using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;
using edge::Gateway.Edge.Caching;
using edge::Gateway.Edge.Pricing;
using Gateway.ServiceDefaults;
using Gateway.ServiceDefaults.Security;
using Gateway.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Tests.Caching;

/// <summary>The Edge's cache client against a Cache address where nothing listens (the Cache service or its Redis
/// down): every call must fail open, fast, and identical concurrent misses must still reach the provider once.</summary>
public sealed class ResponseCacheClientTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_dead_cache_is_a_fast_miss_then_a_failed_store_without_exceptions()
    {
        await using var edge = await CacheHost.StartAsync();
        var cache = edge.Client;

        var watch = Stopwatch.StartNew();
        using (var lookup = await cache.LookupAsync(NewTenant(), On(), "k1", CancellationToken.None))
        {
            watch.Stop();
            Assert.False(lookup.IsHit);
            Assert.Equal(CacheStatus.Miss, lookup.Status);
            lookup.Store(Answer("fresh"));
        }

        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(2), $"The lookup took {watch.Elapsed}.");
        Assert.Equal(1, edge.Meter.Count("gateway.cache.errors", "get"));
        Assert.Equal(1, edge.Meter.Count("gateway.cache.misses"));
        await Eventually(() => edge.Meter.Count("gateway.cache.errors", "put") == 1 && cache.FlightsInProgress == 0);
        Assert.Equal(0, edge.Meter.Count("gateway.cache.stored"));
    }

    [Fact]
    public async Task Hundred_identical_concurrent_misses_reach_the_provider_once()
    {
        await using var edge = await CacheHost.StartAsync();
        var cache = edge.Client;
        var tenant = NewTenant();
        var upstreamCalls = 0;
        var slowProvider = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);

        async Task<CacheLookup> RequestAsync()
        {
            using var lookup = await cache.LookupAsync(tenant, On(), "same-key", CancellationToken.None);
            if (!lookup.IsHit)
            {
                Interlocked.Increment(ref upstreamCalls);
                await slowProvider.Task;
                lookup.Store(Answer("the one answer"));
            }

            return lookup;
        }

        var requests = Enumerable.Range(0, 100).Select(_ => Task.Run(RequestAsync)).ToList();
        await Eventually(() => cache.WaitingRequests == 99);
        slowProvider.SetResult();
        var lookups = await Task.WhenAll(requests);

        Assert.Equal(1, upstreamCalls);
        var followers = lookups.Where(lookup => lookup.IsHit).ToList();
        Assert.Equal(99, followers.Count);
        Assert.All(followers, lookup =>
        {
            Assert.True(lookup.Coalesced);
            Assert.Equal(CacheStatus.Hit, lookup.Status);
            Assert.Contains("the one answer", Encoding.UTF8.GetString(lookup.Answer!.Completion.Span), StringComparison.Ordinal);
        });
        Assert.Equal(99, edge.Meter.Count("gateway.cache.coalesced"));
        Assert.Equal(99, edge.Meter.Count("gateway.cache.hits"));
        Assert.Equal(1, edge.Meter.Count("gateway.cache.misses"));
        // Only the leader asked the Cache service.
        Assert.Equal(1, edge.Meter.Count("gateway.cache.errors", "get"));
    }

    [Fact]
    public async Task When_the_first_request_fails_the_waiting_ones_go_upstream_themselves()
    {
        await using var edge = await CacheHost.StartAsync();
        var cache = edge.Client;
        var tenant = NewTenant();

        var leader = await cache.LookupAsync(tenant, On(), "k", CancellationToken.None);
        var followers = Enumerable.Range(0, 5).Select(_ => cache.LookupAsync(tenant, On(), "k", CancellationToken.None).AsTask()).ToList();
        await Eventually(() => cache.WaitingRequests == 5);
        leader.Dispose();
        var results = await Task.WhenAll(followers);

        Assert.All(results, lookup =>
        {
            Assert.False(lookup.IsHit);
            Assert.Equal(CacheStatus.Miss, lookup.Status);
        });
        Assert.Equal(0, cache.FlightsInProgress);
        Assert.Equal(0, edge.Meter.Count("gateway.cache.coalesced"));
    }

    [Fact]
    public async Task The_wait_for_an_identical_request_is_bounded()
    {
        await using var edge = await CacheHost.StartAsync(("Edge:Cache:CoalesceWait", "00:00:00.100"));
        var cache = edge.Client;
        var tenant = NewTenant();

        using var leader = await cache.LookupAsync(tenant, On(), "k", CancellationToken.None);
        using var follower = await cache.LookupAsync(tenant, On(), "k", CancellationToken.None);

        Assert.False(follower.IsHit);
        Assert.Equal(CacheStatus.Miss, follower.Status);
    }

    [Fact]
    public async Task Other_tenants_and_namespaces_do_not_wait_for_each_other()
    {
        await using var edge = await CacheHost.StartAsync();
        var cache = edge.Client;
        var tenant = NewTenant();

        using var first = await cache.LookupAsync(tenant, On(), "k", CancellationToken.None);
        using var otherTenant = await cache.LookupAsync(NewTenant(), On(), "k", CancellationToken.None);
        using var otherNamespace = await cache.LookupAsync(tenant, On("docs"), "k", CancellationToken.None);

        Assert.Equal(0, cache.WaitingRequests);
        Assert.Equal(3, cache.FlightsInProgress);
        Assert.Equal(3, edge.Meter.Count("gateway.cache.misses"));
    }

    [Fact]
    public async Task Refresh_skips_the_lookup_and_off_does_nothing()
    {
        await using var edge = await CacheHost.StartAsync();
        var cache = edge.Client;

        using var refresh = await cache.LookupAsync(NewTenant(), Directive(new() { ["x-gateway-cache"] = "refresh" }), "k", CancellationToken.None);
        using var off = await cache.LookupAsync(NewTenant(), CacheDirective.Off, "k", CancellationToken.None);
        off.Store(Answer("ignored"));

        Assert.Equal(CacheStatus.Refresh, refresh.Status);
        Assert.False(refresh.IsHit);
        Assert.False(off.IsEnabled);
        Assert.Equal(1, edge.Meter.Count("gateway.cache.refreshes"));
        Assert.Equal(0, edge.Meter.Count("gateway.cache.errors", "get"));
        Assert.Equal(0, cache.FlightsInProgress);
    }

    [Fact]
    public async Task Oversized_answers_are_served_to_waiters_but_not_stored()
    {
        await using var edge = await CacheHost.StartAsync(("Edge:Cache:MaxEntryBytes", "2048"));
        var cache = edge.Client;
        var tenant = NewTenant();

        var leader = await cache.LookupAsync(tenant, On(), "big", CancellationToken.None);
        var follower = cache.LookupAsync(tenant, On(), "big", CancellationToken.None).AsTask();
        await Eventually(() => cache.WaitingRequests == 1);
        leader.Store(Answer(new string('x', 4096)));
        leader.Dispose();

        Assert.True((await follower).IsHit);
        Assert.Equal(1, edge.Meter.Count("gateway.cache.oversized"));
        Assert.Equal(0, cache.FlightsInProgress);
        Assert.Equal(0, edge.Meter.Count("gateway.cache.errors", "put"));
    }

    [Theory]
    [InlineData("Edge:Cache:GetTimeout", "00:00:10")]
    [InlineData("Edge:Cache:MaxEntryBytes", "0")]
    [InlineData("Edge:Cache:PutConcurrency", "0")]
    public async Task Invalid_options_stop_the_start(string key, string value)
    {
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => CacheHost.StartAsync((key, value)));

        Assert.Contains(key.Split(':')[^1], error.Message, StringComparison.Ordinal);
    }

    private static string NewTenant() => "t" + Guid.NewGuid().ToString("N");

    private static CacheDirective On(string? @namespace = null)
    {
        var headers = new Microsoft.AspNetCore.Http.HeaderDictionary { ["x-gateway-cache"] = "true" };
        if (@namespace is not null)
        {
            headers["x-gateway-cache-namespace"] = @namespace;
        }

        return CacheDirective.Read(headers, CacheLevel.Unset, CacheLevel.Unset).Value!;
    }

    private static CacheDirective Directive(Microsoft.AspNetCore.Http.HeaderDictionary headers) =>
        CacheDirective.Read(headers, CacheLevel.Unset, CacheLevel.Unset).Value!;

    private static StoredAnswer Answer(string content) => new("openai", "gpt-4o-mini", new TokenUsage(10, 0, 0, 5, 0),
        DateTimeOffset.UtcNow, Encoding.UTF8.GetBytes(ChatChunks.TextCompletion.Replace("Hello there", content, StringComparison.Ordinal)));

    private static async Task Eventually(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within the bound.");
            await Task.Delay(10);
        }
    }

    /// <summary>A host with exactly what the Edge registers for caching (service defaults, security, the cache),
    /// pointed at a loopback port nothing listens on.</summary>
    internal sealed class CacheHost : IAsyncDisposable
    {
        private readonly IHost _host;

        private CacheHost(IHost host)
        {
            _host = host;
            Client = host.Services.GetRequiredService<ResponseCacheClient>();
            Meter = new MeterRecorder(host.Services.GetRequiredService<IMeterFactory>());
        }

        public ResponseCacheClient Client { get; }

        public MeterRecorder Meter { get; }

        public static async Task<CacheHost> StartAsync(params (string Key, string Value)[] settings)
        {
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Testing", DisableDefaults = true });
            var configuration = TestSecrets.Settings();
            configuration["services:cache:grpc:0"] = $"http://127.0.0.1:{FreePort.Next()}";
            foreach (var (key, value) in settings)
            {
                configuration[key] = value;
            }

            builder.Configuration.AddInMemoryCollection(configuration);
            builder.AddServiceDefaults();
            builder.AddGatewaySecurity();
            builder.AddResponseCache();
            var host = builder.Build();
            try
            {
                await host.StartAsync();
            }
            catch
            {
                host.Dispose();
                throw;
            }

            return new CacheHost(host);
        }

        public async ValueTask DisposeAsync()
        {
            Meter.Dispose();
            await _host.StopAsync();
            _host.Dispose();
        }
    }

    /// <summary>Sums the cache counters of one host (its own meter factory, so parallel tests do not mix).</summary>
    internal sealed class MeterRecorder : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly Dictionary<string, long> _counts = [];

        public MeterRecorder(IMeterFactory factory)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == ResponseCacheMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
            {
                var operation = "";
                foreach (var tag in tags)
                {
                    if (tag.Key == "operation")
                    {
                        operation = tag.Value as string ?? "";
                    }
                }

                lock (_counts)
                {
                    var name = operation.Length == 0 ? instrument.Name : $"{instrument.Name}/{operation}";
                    _counts[name] = _counts.GetValueOrDefault(name) + value;
                }
            });
            _listener.Start();
        }

        public long Count(string instrument, string? operation = null)
        {
            lock (_counts)
            {
                return _counts.GetValueOrDefault(operation is null ? instrument : $"{instrument}/{operation}");
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
