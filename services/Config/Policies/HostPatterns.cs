using System.Net;

namespace Gateway.Config.Policies;

/// <summary>Validates and normalises the host patterns of a tenant policy: an exact host name, an IP literal, or
/// <c>*.suffix</c> (any subdomain of suffix, not suffix itself). Schemes, ports and paths are refused, so that an
/// operator who pastes a URL learns it instead of getting a pattern that never matches.</summary>
internal static class HostPatterns
{
    public const int MaxPatterns = 100;
    private const int MaxHostLength = 253;
    private const string WildcardPrefix = "*.";

    /// <summary>The normalised patterns (lowercase, duplicates dropped, order kept) and every problem found.</summary>
    public static (List<string> Patterns, List<string> Errors) Normalise(IReadOnlyList<string> patterns)
    {
        var result = new List<string>(patterns.Count);
        var errors = new List<string>();
        if (patterns.Count > MaxPatterns)
        {
            errors.Add($"at most {MaxPatterns} allowed_custom_hosts entries are accepted, got {patterns.Count}");
        }

        for (var i = 0; i < patterns.Count; i++)
        {
            var pattern = patterns[i].Trim().ToLowerInvariant();
            if (Problem(pattern) is { } problem)
            {
                errors.Add($"allowed_custom_hosts[{i}] '{patterns[i]}' {problem}");
            }
            else if (!result.Contains(pattern))
            {
                result.Add(pattern);
            }
        }

        return (result, errors);
    }

    private static string? Problem(string pattern)
    {
        if (pattern.Length == 0)
        {
            return "is empty";
        }

        if (pattern.Length > MaxHostLength)
        {
            return $"is longer than {MaxHostLength} characters";
        }

        if (pattern.Contains("://", StringComparison.Ordinal) || pattern.Contains('/'))
        {
            return "must be a host name, not a URL";
        }

        if (IPAddress.TryParse(pattern, out _))
        {
            return null;
        }

        var host = pattern.StartsWith(WildcardPrefix, StringComparison.Ordinal) ? pattern[WildcardPrefix.Length..] : pattern;
        if (host.Length == 0 || host.Contains('*'))
        {
            return "may use '*' only as a leading '*.' before a domain";
        }

        if (host.Contains(':'))
        {
            return "must not include a port";
        }

        foreach (var label in host.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return "is not a valid host name";
            }

            foreach (var c in label)
            {
                if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
                {
                    return "is not a valid host name (use the punycode form for international names)";
                }
            }
        }

        return null;
    }
}
