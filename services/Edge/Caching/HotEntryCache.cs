using Microsoft.Extensions.Caching.Memory;

namespace Gateway.Edge.Caching;

/// <summary>The Edge's in-process hot tier in front of the Cache service: answers fetched from or stored to it, kept
/// for at most <see cref="ResponseCacheOptions.HotTtl"/> and never past the entry's own max-age, bounded by
/// <see cref="ResponseCacheOptions.HotEntries"/> and <see cref="ResponseCacheOptions.HotBytes"/> (entry size = its
/// completion's bytes). A hit here spares the gRPC hop and is served exactly like a remote hit.
/// <para>Purges: <c>gatewayctl</c> purges the Cache service directly, so no Edge drops anything on a purge. Other
/// Edges' hot tiers (and this one's) keep serving a purged entry for at most <see cref="ResponseCacheOptions.HotTtl"/>;
/// set it to zero where a purge must take effect at once.</para></summary>
internal sealed class HotEntryCache : IDisposable
{
    // Keys, the record and the cache's own entry bookkeeping: counted so many small entries still respect HotBytes.
    private const long EntryOverhead = 256;

    private readonly MemoryCache? _cache;
    private readonly TimeSpan _hotTtl;
    private readonly int _maxEntries;

    public HotEntryCache(ResponseCacheOptions options)
    {
        _hotTtl = options.HotTtl;
        _maxEntries = options.HotEntries;
        if (_hotTtl > TimeSpan.Zero)
        {
            _cache = new MemoryCache(new MemoryCacheOptions { SizeLimit = options.HotBytes });
        }
    }

    public bool IsEnabled => _cache is not null;

    /// <summary>Entries held now (expired ones not yet swept included).</summary>
    public int Count => _cache?.Count ?? 0;

    public bool TryGet(CacheEntryRef entry, out StoredAnswer? answer)
    {
        answer = null;
        return _cache is not null && _cache.TryGetValue(entry, out answer) && answer is not null;
    }

    /// <summary>Holds <paramref name="answer"/> (replacing what was held) until <paramref name="expiresAt"/> (the
    /// entry's own expiry) or for <see cref="ResponseCacheOptions.HotTtl"/>, whichever is sooner.</summary>
    public void Set(CacheEntryRef entry, StoredAnswer answer, DateTimeOffset expiresAt)
    {
        if (_cache is null)
        {
            return;
        }

        // An entry refused for size must not leave the one it replaces behind.
        _cache.Remove(entry);
        var lifetime = expiresAt - DateTimeOffset.UtcNow;
        if (lifetime > _hotTtl)
        {
            lifetime = _hotTtl;
        }

        if (lifetime <= TimeSpan.Zero)
        {
            return;
        }

        if (_cache.Count >= _maxEntries)
        {
            // Drops the expired entries, then the least recently used ones: a tenth, and at least one.
            _cache.Compact(Math.Min(1, Math.Max(0.1, 1.5 / _maxEntries)));
            if (_cache.Count >= _maxEntries)
            {
                return;
            }
        }

        _cache.Set(entry, answer, new MemoryCacheEntryOptions
        {
            AbsoluteExpirationRelativeToNow = lifetime,
            Size = answer.Completion.Length + EntryOverhead,
        });
    }

    public void Dispose() => _cache?.Dispose();
}
