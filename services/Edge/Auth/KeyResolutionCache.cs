using System.Security.Cryptography;
using System.Text;
using Gateway.Edge.Options;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Auth;

/// <summary>The in-process cache of KeyVault answers (positive and negative), bounded in entries. Gateway keys are
/// cached under their SHA-256, so no plaintext key sits in the cache's key set.</summary>
internal sealed class KeyResolutionCache(IOptions<EdgeOptions> options) : IDisposable
{
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = options.Value.KeyCacheEntries });

    public bool TryGet<T>(string key, out T? value) => _cache.TryGetValue(key, out value);

    public void Set<T>(string key, T value, TimeSpan ttl)
    {
        if (ttl > TimeSpan.Zero)
        {
            _cache.Set(key, value, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = ttl, Size = 1 });
        }
    }

    public void Remove(string key) => _cache.Remove(key);

    /// <summary>Drops everything (a Watch stream reconnected and changes may have been missed).</summary>
    public void Clear() => _cache.Clear();

    public static string ApiKeyCacheKey(string apiKey)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var maxBytes = Encoding.UTF8.GetMaxByteCount(apiKey.Length);
        var buffer = maxBytes <= 1024 ? stackalloc byte[maxBytes] : new byte[maxBytes];
        var length = Encoding.UTF8.GetBytes(apiKey, buffer);
        SHA256.HashData(buffer[..length], hash);
        return string.Concat("api:", Convert.ToHexString(hash));
    }

    public static string VirtualKeyCacheKey(string tenantId, string slug) => string.Concat("vk:", tenantId, "\n", slug);

    public static string PolicyCacheKey(string tenantId) => string.Concat("policy:", tenantId);

    /// <summary>A tenant's routing config by id (its latest version).</summary>
    public static string ConfigCacheKey(string tenantId, string configId) => string.Concat("config:", tenantId, "\n", configId);

    public void Dispose() => _cache.Dispose();
}
