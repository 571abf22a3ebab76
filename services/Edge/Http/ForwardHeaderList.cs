using System.Collections.Frozen;
using Gateway.Edge.Errors;

namespace Gateway.Edge.Http;

/// <summary><c>x-gateway-forward-headers: a, b</c>: client headers the provider should receive as sent. Credentials
/// (the gateway's and the provider's: the provider sets its own), hop-by-hop and framing headers, and the gateway's
/// own headers can never be forwarded; naming one is a 400 rather than a silent drop, so the client learns why.</summary>
internal static class ForwardHeaderList
{
    private static readonly FrozenSet<string> Forbidden = FrozenSet.Create(StringComparer.OrdinalIgnoreCase,
        // credentials
        "authorization", "proxy-authorization", "x-api-key", "api-key", "cookie",
        // hop-by-hop (RFC 9110 7.6.1) and connection framing
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "host", "content-length", "content-type", "content-encoding", "expect");

    private static readonly string[] ForbiddenPrefixes = ["x-gateway-", "x-portkey-", "x-metrion-", GatewayHeaders.LlmGatewayPrefix, ":"];

    public static readonly IReadOnlyList<KeyValuePair<string, string>> None = [];

    public static bool IsForbidden(string name)
    {
        if (Forbidden.Contains(name))
        {
            return true;
        }

        foreach (var prefix in ForbiddenPrefixes)
        {
            if (name.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The named headers present on the request, with their values; names the client listed but did not
    /// send are skipped.</summary>
    public static Outcome<IReadOnlyList<KeyValuePair<string, string>>> Read(IHeaderDictionary headers)
    {
        if (GatewayHeaders.First(headers, GatewayHeaders.ForwardHeaders, GatewayHeaders.PortkeyForwardHeaders) is not { } list)
        {
            return new(None, null);
        }

        var header = GatewayHeaders.NameOfFirst(headers, GatewayHeaders.ForwardHeaders, GatewayHeaders.PortkeyForwardHeaders);
        if (HeaderLimits.Bounded(header, list) is { } tooLarge)
        {
            return tooLarge;
        }

        var forwarded = new List<KeyValuePair<string, string>>();
        var named = 0;
        foreach (var range in list.AsSpan().Split(','))
        {
            var name = list.AsSpan()[range].Trim();
            if (name.IsEmpty)
            {
                continue;
            }

            if (++named > HeaderLimits.MaxForwardHeaders)
            {
                return GatewayError.InvalidHeader(header, $"may name at most {HeaderLimits.MaxForwardHeaders} headers");
            }

            if (!IsToken(name))
            {
                return GatewayError.InvalidHeader(header, $"must be a comma-separated list of header names; '{name}' is not one");
            }

            var nameText = name.ToString().ToLowerInvariant();
            if (IsForbidden(nameText))
            {
                return GatewayError.InvalidHeader(header,
                    $"names '{nameText}', which is never forwarded (credentials, hop-by-hop and gateway headers stay at the gateway)");
            }

            var value = headers[nameText].ToString();
            if (value.Length == 0 || Contains(forwarded, nameText))
            {
                continue;
            }

            if (HeaderLimits.Bounded(nameText, value) is { } valueTooLarge)
            {
                return valueTooLarge;
            }

            forwarded.Add(new KeyValuePair<string, string>(nameText, value));
        }

        return new(forwarded, null);
    }

    private static bool Contains(List<KeyValuePair<string, string>> forwarded, string name)
    {
        foreach (var (existing, _) in forwarded)
        {
            if (existing == name)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>RFC 9110 token characters.</summary>
    private static bool IsToken(ReadOnlySpan<char> name)
    {
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c)))
            {
                return false;
            }
        }

        return true;
    }
}
