extern alias edge;

using System.Diagnostics;
using System.Text;
using edge::Gateway.Edge.Caching;
using edge::Gateway.Edge.Pricing;
using CacheHost = Gateway.Edge.Tests.Caching.ResponseCacheClientTests.CacheHost;

namespace Gateway.Edge.Tests.Caching;

/// <summary>The Edge's in-process hot tier, against a Cache address where nothing listens: whatever it answers, it
/// answered without the Cache service (every Get there fails and is counted).</summary>
public sealed class HotEntryTierTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_stored_answer_is_a_hit_from_the_hot_tier_without_a_cache_service_get()
    {
        await using var edge = await CacheHost.StartAsync();
        var cache = edge.Client;
        var tenant = NewTenant();
        await StoreAsync(edge, tenant, On(), "k", "hot answer");

        using var second = await cache.LookupAsync(tenant, On(), "k", CancellationToken.None);

        Assert.True(second.IsHit);
        Assert.Equal(CacheStatus.Hit, second.Status);
        Assert.False(second.Coalesced);
        Assert.Contains("hot answer", Text(second), StringComparison.Ordinal);
        Assert.Equal(1, edge.Meter.Count("gateway.cache.errors", "get"));
        Assert.Equal(1, edge.Meter.Count("gateway.cache.hits"));
        Assert.Equal(1, edge.Meter.Count("gateway.cache.hot_hits"));
    }

    [Fact]
    public async Task Entries_are_kept_per_tenant_and_namespace()
    {
        await using var edge = await CacheHost.StartAsync();
        var cache = edge.Client;
        var tenant = NewTenant();
        await StoreAsync(edge, tenant, On(), "k", "default namespace");

        using var otherTenant = await cache.LookupAsync(NewTenant(), On(), "k", CancellationToken.None);
        using var otherNamespace = await cache.LookupAsync(tenant, On("ns"), "k", CancellationToken.None);

        Assert.False(otherTenant.IsHit);
        Assert.False(otherNamespace.IsHit);
        Assert.Equal(0, edge.Meter.Count("gateway.cache.hot_hits"));
    }

    [Fact]
    public async Task A_zero_hot_ttl_disables_the_hot_tier()
    {
        await using var edge = await CacheHost.StartAsync(("Edge:Cache:HotTtl", "00:00:00"));
        var cache = edge.Client;
        var tenant = NewTenant();
        await StoreAsync(edge, tenant, On(), "k", "not held");

        using var second = await cache.LookupAsync(tenant, On(), "k", CancellationToken.None);

        Assert.False(second.IsHit);
        Assert.Equal(0, cache.HotEntryCount);
        Assert.Equal(2, edge.Meter.Count("gateway.cache.errors", "get"));
        Assert.Equal(0, edge.Meter.Count("gateway.cache.hot_hits"));
    }

    [Fact]
    public async Task An_entry_is_not_served_from_the_hot_tier_after_its_max_age()
    {
        await using var edge = await CacheHost.StartAsync();
        var cache = edge.Client;
        var tenant = NewTenant();
        var oneSecond = Directive(new() { ["x-gateway-cache"] = "true", ["Cache-Control"] = "max-age=1" });
        var storedAt = await StoreAsync(edge, tenant, oneSecond, "k", "short lived");

        var watch = Stopwatch.StartNew();
        var expiresAt = storedAt + TimeSpan.FromSeconds(1);
        while (true)
        {
            var now = DateTimeOffset.UtcNow;
            using var lookup = await cache.LookupAsync(tenant, oneSecond, "k", CancellationToken.None);
            if (!lookup.IsHit)
            {
                break;
            }

            // A hit must have been looked up before the entry's max-age ran out.
            Assert.True(now < expiresAt, $"Served at {now:O}, the entry expired at {expiresAt:O}.");
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), "The entry outlived its 1 s max-age by far.");
            await Task.Delay(20);
        }

        Assert.True(DateTimeOffset.UtcNow >= expiresAt);
        Assert.True(edge.Meter.Count("gateway.cache.hot_hits") >= 1);
    }

    [Fact]
    public async Task A_refresh_replaces_the_held_entry()
    {
        await using var edge = await CacheHost.StartAsync();
        var cache = edge.Client;
        var tenant = NewTenant();
        await StoreAsync(edge, tenant, On(), "k", "old answer");

        using (var refresh = await cache.LookupAsync(tenant, Directive(new() { ["x-gateway-cache"] = "refresh" }), "k", CancellationToken.None))
        {
            Assert.Equal(CacheStatus.Refresh, refresh.Status);
            Assert.False(refresh.IsHit);
            refresh.Store(Answer("new answer"));
        }

        using var after = await cache.LookupAsync(tenant, On(), "k", CancellationToken.None);

        Assert.True(after.IsHit);
        Assert.Contains("new answer", Text(after), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_hot_tier_holds_at_most_hot_entries()
    {
        await using var edge = await CacheHost.StartAsync(("Edge:Cache:HotEntries", "2"));
        var tenant = NewTenant();
        for (var i = 0; i < 5; i++)
        {
            await StoreAsync(edge, tenant, On(), $"k{i}", $"answer {i}");
        }

        Assert.InRange(edge.Client.HotEntryCount, 1, 2);
        using var newest = await edge.Client.LookupAsync(tenant, On(), "k4", CancellationToken.None);
        Assert.True(newest.IsHit);
    }

    [Fact]
    public void The_stored_value_carries_the_expiry_and_reads_without_it()
    {
        var answer = Answer("x");
        var expiresAt = DateTimeOffset.FromUnixTimeMilliseconds(answer.StoredAt.ToUnixTimeMilliseconds() + 1000);

        Assert.Equal(expiresAt, StoredAnswer.TryDecode((answer with { ExpiresAt = expiresAt }).Encode())!.ExpiresAt);
        Assert.Null(StoredAnswer.TryDecode(answer.Encode())!.ExpiresAt);
    }

    /// <summary>A miss that stores <paramref name="content"/>, then waits for the (failing) store to finish so later
    /// lookups are not coalesced with it. Returns the answer's stored-at time.</summary>
    private static async Task<DateTimeOffset> StoreAsync(CacheHost edge, string tenant, CacheDirective directive, string key, string content)
    {
        var answer = Answer(content);
        using (var lookup = await edge.Client.LookupAsync(tenant, directive, key, CancellationToken.None))
        {
            Assert.False(lookup.IsHit);
            lookup.Store(answer);
        }

        var deadline = DateTime.UtcNow + Bound;
        while (edge.Client.FlightsInProgress != 0)
        {
            Assert.True(DateTime.UtcNow < deadline, "The store did not finish within the bound.");
            await Task.Delay(10);
        }

        return answer.StoredAt;
    }

    private static string NewTenant() => "t" + Guid.NewGuid().ToString("N");

    private static CacheDirective On(string? @namespace = null)
    {
        var headers = new Microsoft.AspNetCore.Http.HeaderDictionary { ["x-gateway-cache"] = "true" };
        if (@namespace is not null)
        {
            headers["x-gateway-cache-namespace"] = @namespace;
        }

        return Directive(headers);
    }

    private static CacheDirective Directive(Microsoft.AspNetCore.Http.HeaderDictionary headers) =>
        CacheDirective.Read(headers, CacheLevel.Unset, CacheLevel.Unset).Value!;

    private static string Text(CacheLookup lookup) => Encoding.UTF8.GetString(lookup.Answer!.Completion.Span);

    private static StoredAnswer Answer(string content) => new("openai", "gpt-4o-mini", new TokenUsage(10, 0, 0, 5, 0),
        DateTimeOffset.UtcNow, Encoding.UTF8.GetBytes(ChatChunks.TextCompletion.Replace("Hello there", content, StringComparison.Ordinal)));
}
