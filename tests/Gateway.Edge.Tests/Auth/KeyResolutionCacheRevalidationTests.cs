extern alias edge;

using edge::Gateway.Edge.Auth;
using edge::Gateway.Edge.Options;
using Grpc.Core;

namespace Gateway.Edge.Tests.Auth;

/// <summary>What a Watch stream's READY (<see cref="KeyResolutionCache.MarkDue"/>) and a revocation that names an
/// answer (<see cref="KeyResolutionCache.RemoveWhere"/>) leave behind: a due entry is asked again but still bridges an
/// outage; a removed one, or one a refusal replaced, never is.</summary>
public sealed class KeyResolutionCacheRevalidationTests
{
    [Fact]
    public void A_due_entry_is_refreshed_but_still_served_stale_while_the_dependency_is_down()
    {
        using var cache = NewCache();
        var identity = new CallerIdentity("t", "k");
        cache.Set("api:k", identity, TimeSpan.FromMinutes(10));

        Assert.Equal(1, cache.MarkDue(KeyResolutionCache.KeyVaultKinds));

        Assert.False(cache.TryGet<CallerIdentity>("api:k", out _));
        Assert.False(cache.TryServeStale<CallerIdentity>("api:k", StatusCode.NotFound, "keyvault", out _));
        Assert.True(cache.TryServeStale<CallerIdentity>("api:k", StatusCode.Unavailable, "keyvault", out var stale));
        Assert.Same(identity, stale);
    }

    [Fact]
    public void A_fresh_answer_replaces_a_due_entry()
    {
        using var cache = NewCache();
        cache.Set("vk:t\nslug", "old", TimeSpan.FromMinutes(10));
        cache.MarkDue(KeyResolutionCache.KeyVaultKinds);

        cache.Set("vk:t\nslug", "new", TimeSpan.FromMinutes(10));

        Assert.True(cache.TryGet<string>("vk:t\nslug", out var value));
        Assert.Equal("new", value);
    }

    [Fact]
    public void An_uncached_refusal_replaces_a_due_entry_so_it_is_never_served_stale()
    {
        using var cache = NewCache();
        cache.Set("api:k", new CallerIdentity("t", "k"), TimeSpan.FromMinutes(10));
        cache.MarkDue(KeyResolutionCache.KeyVaultKinds);

        // What a resolver does with a refusal when negative answers are not cached (NegativeKeyCacheTtl = 0).
        cache.Set<CallerIdentity?>("api:k", null, TimeSpan.Zero);

        Assert.False(cache.TryServeStale<CallerIdentity>("api:k", StatusCode.Unavailable, "keyvault", out _));
    }

    [Fact]
    public void Only_the_given_kinds_are_made_due()
    {
        using var cache = NewCache();
        cache.Set(KeyResolutionCache.PolicyCacheKey("t"), "policy", TimeSpan.FromMinutes(10));
        cache.Set(KeyResolutionCache.ConfigCacheKey("t", "c"), "config", TimeSpan.FromMinutes(10));
        cache.Set(KeyResolutionCache.VirtualKeyCacheKey("t", "v"), "vk", TimeSpan.FromMinutes(10));
        cache.Set("api:k", new CallerIdentity("t", "k"), TimeSpan.FromMinutes(10));

        Assert.Equal(2, cache.MarkDue(KeyResolutionCache.ConfigKinds));

        Assert.False(cache.TryGet<string>(KeyResolutionCache.PolicyCacheKey("t"), out _));
        Assert.False(cache.TryGet<string>(KeyResolutionCache.ConfigCacheKey("t", "c"), out _));
        Assert.True(cache.TryGet<string>(KeyResolutionCache.VirtualKeyCacheKey("t", "v"), out _));
        Assert.True(cache.TryGet<CallerIdentity>("api:k", out _));
    }

    [Fact]
    public void Marking_due_keeps_the_end_of_the_stale_window()
    {
        using var cache = new KeyResolutionCache(Microsoft.Extensions.Options.Options.Create(new EdgeOptions { StaleIfErrorFor = TimeSpan.Zero }));
        cache.Set("api:k", new CallerIdentity("t", "k"), TimeSpan.FromMinutes(10));

        cache.MarkDue(KeyResolutionCache.KeyVaultKinds);

        // The window ends at the original TTL (zero stale window): an early READY does not lengthen it, and a zero
        // window was measured from the TTL, so the entry is still inside it.
        Assert.True(cache.TryServeStale<CallerIdentity>("api:k", StatusCode.Unavailable, "keyvault", out _));
    }

    [Fact]
    public void Removing_by_answer_drops_only_the_matching_entries_stale_copies_included()
    {
        using var cache = NewCache();
        cache.Set("api:revoked", new CallerIdentity("t", "revoked-id"), TimeSpan.FromMinutes(10));
        cache.Set("api:kept", new CallerIdentity("t", "kept-id"), TimeSpan.FromMinutes(10));
        cache.Set("vk:t\nrevoked-id", "same id, other kind", TimeSpan.FromMinutes(10));

        var removed = cache.RemoveWhere(KeyResolutionCache.ApiKeyKind, answer => answer is CallerIdentity { ApiKeyId: "revoked-id" });

        Assert.Equal(1, removed);
        Assert.False(cache.TryGet<CallerIdentity>("api:revoked", out _));
        Assert.False(cache.TryServeStale<CallerIdentity>("api:revoked", StatusCode.Unavailable, "keyvault", out _));
        Assert.True(cache.TryGet<CallerIdentity>("api:kept", out _));
        Assert.True(cache.TryGet<string>("vk:t\nrevoked-id", out _));
    }

    private static KeyResolutionCache NewCache() => new(Microsoft.Extensions.Options.Options.Create(new EdgeOptions()));
}
