extern alias edge;

using edge::Gateway.Edge.Auth;
using edge::Gateway.Edge.Options;
using Grpc.Core;

namespace Gateway.Edge.Tests.Auth;

public sealed class KeyResolutionCacheTests
{
    [Fact]
    public void Remembers_negative_answers_as_null()
    {
        using var cache = new KeyResolutionCache(Microsoft.Extensions.Options.Options.Create(new EdgeOptions()));

        cache.Set<CallerIdentity?>("api:unknown", null, TimeSpan.FromMinutes(1));

        Assert.True(cache.TryGet<CallerIdentity?>("api:unknown", out var cached));
        Assert.Null(cached);
        Assert.False(cache.TryGet<CallerIdentity?>("api:other", out _));
    }

    [Fact]
    public void Zero_ttl_disables_caching()
    {
        using var cache = new KeyResolutionCache(Microsoft.Extensions.Options.Options.Create(new EdgeOptions()));

        cache.Set("api:k", new CallerIdentity("t", "k"), TimeSpan.Zero);

        Assert.False(cache.TryGet<CallerIdentity>("api:k", out _));
    }

    [Fact]
    public void Virtual_key_entries_are_scoped_by_tenant()
    {
        Assert.NotEqual(KeyResolutionCache.VirtualKeyCacheKey("tenant-a", "vk"), KeyResolutionCache.VirtualKeyCacheKey("tenant-b", "vk"));
    }

    [Fact]
    public async Task An_expired_answer_is_served_stale_only_when_the_dependency_is_down()
    {
        using var cache = new KeyResolutionCache(Microsoft.Extensions.Options.Options.Create(new EdgeOptions()));
        var identity = new CallerIdentity("t", "k");
        cache.Set("api:k", identity, TimeSpan.FromMilliseconds(1));
        await ExpiredAsync(cache, "api:k");

        Assert.False(cache.TryServeStale<CallerIdentity>("api:k", StatusCode.NotFound, "keyvault", out _));
        Assert.False(cache.TryServeStale<CallerIdentity>("api:k", StatusCode.Unauthenticated, "keyvault", out _));
        Assert.True(cache.TryServeStale<CallerIdentity>("api:k", StatusCode.Unavailable, "keyvault", out var stale));
        Assert.Same(identity, stale);

        // Serving it postpones the next refresh, so the outage does not cost every request a timeout.
        Assert.True(cache.TryGet<CallerIdentity>("api:k", out var postponed));
        Assert.Same(identity, postponed);
    }

    [Fact]
    public async Task Removed_cleared_and_negative_answers_are_never_served_stale()
    {
        using var cache = new KeyResolutionCache(Microsoft.Extensions.Options.Options.Create(new EdgeOptions()));
        cache.Set("api:removed", new CallerIdentity("t", "removed"), TimeSpan.FromMilliseconds(1));
        cache.Set("api:cleared", new CallerIdentity("t", "cleared"), TimeSpan.FromMilliseconds(1));
        cache.Set<CallerIdentity?>("api:unknown", null, TimeSpan.FromMilliseconds(1));
        await ExpiredAsync(cache, "api:removed");

        cache.Remove("api:removed");
        Assert.False(cache.TryServeStale<CallerIdentity>("api:removed", StatusCode.Unavailable, "keyvault", out _));
        Assert.True(cache.TryServeStale<CallerIdentity>("api:cleared", StatusCode.DeadlineExceeded, "keyvault", out _));
        cache.Clear();
        Assert.False(cache.TryServeStale<CallerIdentity>("api:cleared", StatusCode.Unavailable, "keyvault", out _));
        Assert.False(cache.TryServeStale<CallerIdentity>("api:unknown", StatusCode.Unavailable, "keyvault", out _));
    }

    [Fact]
    public async Task Zero_stale_window_disables_stale_answers()
    {
        using var cache = new KeyResolutionCache(Microsoft.Extensions.Options.Options.Create(new EdgeOptions { StaleIfErrorFor = TimeSpan.Zero }));
        cache.Set("api:k", new CallerIdentity("t", "k"), TimeSpan.FromMilliseconds(1));
        await ExpiredAsync(cache, "api:k");

        Assert.False(cache.TryServeStale<CallerIdentity>("api:k", StatusCode.Unavailable, "keyvault", out _));
    }

    private static async Task ExpiredAsync(KeyResolutionCache cache, string key)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(5);
        while (cache.TryGet<CallerIdentity>(key, out _))
        {
            Assert.True(DateTime.UtcNow < deadline, "the entry never expired");
            await Task.Delay(5);
        }
    }
}
