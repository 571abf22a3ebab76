extern alias edge;

using edge::Gateway.Edge.Auth;
using edge::Gateway.Edge.Options;

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
}
