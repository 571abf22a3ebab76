namespace Gateway.Edge.Caching;

/// <summary>The cache setting of one level below the request: the routing config (<c>cache {mode, max_age}</c>) or the
/// tenant policy (<c>CacheEnabled</c>, <c>CacheMaxAge</c>). Plain values, so the caller maps its own types.</summary>
/// <param name="Enabled">True or false when the level says; null when it says nothing (the next level decides).</param>
/// <param name="MaxAge">Retention this level asks for; null for the next level's or the default.</param>
internal readonly record struct CacheLevel(bool? Enabled, TimeSpan? MaxAge)
{
    public static readonly CacheLevel Unset = new(null, null);

    /// <summary>A routing config's <c>cache</c> block: present means on (mode "simple", the only mode the Config
    /// service accepts), absent means the config does not decide.</summary>
    public static CacheLevel FromConfig(bool hasCacheBlock, long? maxAgeSeconds) =>
        hasCacheBlock ? new CacheLevel(true, maxAgeSeconds is > 0 ? TimeSpan.FromSeconds(maxAgeSeconds.Value) : null) : Unset;

    /// <summary>A tenant policy: <c>CacheEnabled</c> turns caching on by default; off means "not by default", which
    /// leaves the decision to the request and config.</summary>
    public static CacheLevel FromPolicy(bool cacheEnabled, TimeSpan? cacheMaxAge) =>
        cacheEnabled ? new CacheLevel(true, cacheMaxAge) : new CacheLevel(null, cacheMaxAge);
}
