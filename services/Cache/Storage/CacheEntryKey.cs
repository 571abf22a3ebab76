namespace Gateway.Cache.Storage;

/// <summary>Where an entry lives: <c>gw:cache:{tenant}:{namespace}:{key}</c>. Tenant and namespace cannot contain
/// ':', so no choice of values can make one partition's key spell another's (the key itself may contain ':').</summary>
internal readonly record struct CacheEntryKey
{
    public const string DefaultNamespace = "default";
    private const string Prefix = "gw:cache:";

    private CacheEntryKey(string tenant, string @namespace, string key)
    {
        Tenant = tenant;
        Namespace = @namespace;
        Key = key;
    }

    public string Tenant { get; }

    public string Namespace { get; }

    public string Key { get; }

    /// <summary>Validates the parts; an empty namespace means <see cref="DefaultNamespace"/>.</summary>
    public static bool TryCreate(string? tenant, string? @namespace, string? key, out CacheEntryKey entryKey, out string error)
    {
        entryKey = default;
        if (string.IsNullOrEmpty(tenant))
        {
            error = "tenant_id is required.";
            return false;
        }

        if (tenant.Contains(':', StringComparison.Ordinal))
        {
            error = "tenant_id must not contain ':'.";
            return false;
        }

        if (string.IsNullOrEmpty(@namespace))
        {
            @namespace = DefaultNamespace;
        }
        else if (@namespace.Contains(':', StringComparison.Ordinal))
        {
            error = "namespace must not contain ':'.";
            return false;
        }

        if (string.IsNullOrEmpty(key))
        {
            error = "key is required.";
            return false;
        }

        entryKey = new CacheEntryKey(tenant, @namespace, key);
        error = "";
        return true;
    }

    public string ToRedisKey() => $"{Prefix}{Tenant}:{Namespace}:{Key}";
}
