using System.Buffers;
using System.Text;

namespace Gateway.Cache.Storage;

/// <summary>Where an entry lives: <c>gw:cache:{tenant}:{namespace}:{key}</c>. Tenant and namespace cannot contain
/// ':', so no choice of values can make one partition's key spell another's (the key itself may contain ':').</summary>
internal readonly record struct CacheEntryKey
{
    public const string DefaultNamespace = "default";
    private const string Prefix = "gw:cache:";

    /// <summary>The characters Redis' glob-style MATCH gives a meaning to.</summary>
    private static readonly SearchValues<char> GlobCharacters = SearchValues.Create("*?[]\\^-");

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
        if (!TryValidatePartition(tenant, ref @namespace, out error))
        {
            return false;
        }

        if (string.IsNullOrEmpty(key))
        {
            error = "key is required.";
            return false;
        }

        entryKey = new CacheEntryKey(tenant!, @namespace!, key);
        return true;
    }

    /// <summary>Checks tenant and namespace; an empty namespace becomes <see cref="DefaultNamespace"/>.</summary>
    public static bool TryValidatePartition(string? tenant, ref string? @namespace, out string error)
    {
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

        error = "";
        return true;
    }

    /// <summary>A SCAN MATCH pattern for every entry of <paramref name="tenant"/>, or of one namespace of it. Glob
    /// characters in the parts are escaped, so a tenant named <c>a*</c> matches only its own entries.</summary>
    public static string MatchPattern(string tenant, string? @namespace) =>
        @namespace is null
            ? $"{Prefix}{EscapeGlob(tenant)}:*"
            : $"{Prefix}{EscapeGlob(tenant)}:{EscapeGlob(@namespace)}:*";

    public string ToRedisKey() => $"{Prefix}{Tenant}:{Namespace}:{Key}";

    private static string EscapeGlob(string value)
    {
        if (value.AsSpan().IndexOfAny(GlobCharacters) < 0)
        {
            return value;
        }

        var escaped = new StringBuilder(value.Length + 8);
        foreach (var c in value)
        {
            if (GlobCharacters.Contains(c))
            {
                escaped.Append('\\');
            }

            escaped.Append(c);
        }

        return escaped.ToString();
    }
}
