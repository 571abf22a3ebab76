namespace Gateway.Edge.Auth;

/// <summary>Matches a host against a policy's patterns: an exact host, or <c>*.suffix</c> for any subdomain of
/// suffix (not suffix itself, as with TLS wildcard certificates).</summary>
internal static class HostAllowList
{
    public static bool Matches(IReadOnlyList<string> patterns, string host)
    {
        for (var i = 0; i < patterns.Count; i++)
        {
            var pattern = patterns[i];
            if (pattern.StartsWith("*.", StringComparison.Ordinal))
            {
                var suffix = pattern.AsSpan(1); // ".suffix"
                if (host.Length > suffix.Length && host.AsSpan().EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
                {
                    return true;
                }
            }
            else if (host.Equals(pattern, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
