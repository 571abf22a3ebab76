using Gateway.Edge.Errors;
using Gateway.Edge.Http;
using Microsoft.Net.Http.Headers;

namespace Gateway.Edge.Caching;

/// <summary>What one request does with the response cache, from its headers, its routing config and its tenant's
/// policy, in that order of precedence (the request wins).
/// <list type="bullet">
/// <item><c>x-gateway-cache</c> / <c>x-metrion-cache</c>: <c>true</c>, <c>refresh</c> or <c>false</c> (any case);
/// absent leaves it to the config, then the policy. <c>false</c> is final: it also overrides a force-refresh header.</item>
/// <item><c>x-gateway-cache-force-refresh</c> / <c>x-portkey-cache-force-refresh</c>: <c>true</c> is the same as
/// <c>x-gateway-cache: refresh</c>; <c>false</c> changes nothing.</item>
/// <item><c>Cache-Control: max-age=&lt;seconds&gt;</c>: retention of the stored answer, from 1 second to 365 days.
/// Out of range (0 included) or malformed is refused with 400 <c>invalid_cache_max_age</c>, not clamped: a client
/// asking for a retention it will not get should know. <c>Cache-Control</c> is a standard header clients also send for
/// other reasons, so it is read only when the request caches, and a bad value is refused only when the request itself
/// asked for caching with the headers above; when only the config or policy turned caching on, a bad value is ignored
/// rather than breaking a client that never opted in. Its other directives are ignored. Without a usable max-age: the
/// config's <c>max_age</c>, then the policy's, then 7 days.</item>
/// <item><c>x-gateway-cache-namespace</c> / <c>x-portkey-cache-namespace</c>: the partition inside the tenant, at most
/// 128 of <c>A-Z a-z 0-9 - _ . @ /</c>; absent is the default namespace.</item>
/// </list>
/// Gateway headers with bad values are 400 whether or not the request caches.</summary>
/// <param name="EchoMetrionAlias">The mode came in <c>x-metrion-cache</c>: the response echoes the status there too.</param>
internal sealed record CacheDirective(CacheMode Mode, TimeSpan TimeToLive, string Namespace, bool EchoMetrionAlias)
{
    public const int MaxNamespaceLength = 128;
    public static readonly TimeSpan DefaultMaxAge = TimeSpan.FromDays(7);
    public static readonly TimeSpan MaxMaxAge = TimeSpan.FromDays(365);
    public static readonly CacheDirective Off = new(CacheMode.Off, DefaultMaxAge, "", false);

    private static readonly long MaxMaxAgeSeconds = (long)MaxMaxAge.TotalSeconds;

    public bool IsOn => Mode != CacheMode.Off;

    /// <param name="config">The routing config's cache block (<see cref="CacheLevel.FromConfig"/>).</param>
    /// <param name="policy">The tenant policy's defaults (<see cref="CacheLevel.FromPolicy"/>).</param>
    public static Outcome<CacheDirective> Read(IHeaderDictionary headers, CacheLevel config, CacheLevel policy)
    {
        CacheMode? requested = null;
        var echo = false;
        if (GatewayHeaders.First(headers, CacheHeaders.Cache, CacheHeaders.MetrionCache) is { } rawMode)
        {
            var name = GatewayHeaders.NameOfFirst(headers, CacheHeaders.Cache, CacheHeaders.MetrionCache);
            requested = ParseMode(rawMode);
            if (requested is null)
            {
                return Invalid("invalid_cache_mode", $"Header '{name}' must be 'true', 'refresh' or 'false'.");
            }

            echo = name == CacheHeaders.MetrionCache;
        }

        var forceRefresh = false;
        if (GatewayHeaders.First(headers, CacheHeaders.ForceRefresh, CacheHeaders.PortkeyForceRefresh) is { } rawForce)
        {
            if (!bool.TryParse(rawForce.AsSpan().Trim(), out forceRefresh))
            {
                var name = GatewayHeaders.NameOfFirst(headers, CacheHeaders.ForceRefresh, CacheHeaders.PortkeyForceRefresh);
                return Invalid("invalid_cache_force_refresh", $"Header '{name}' must be 'true' or 'false'.");
            }
        }

        var @namespace = "";
        if (GatewayHeaders.First(headers, CacheHeaders.Namespace, CacheHeaders.PortkeyNamespace) is { } rawNamespace)
        {
            @namespace = rawNamespace.Trim();
            if (!IsValidNamespace(@namespace))
            {
                var name = GatewayHeaders.NameOfFirst(headers, CacheHeaders.Namespace, CacheHeaders.PortkeyNamespace);
                return Invalid("invalid_cache_namespace",
                    $"Header '{name}' must be 1 to {MaxNamespaceLength} characters of letters, digits, '-', '_', '.', '@' and '/'.");
            }
        }

        var mode = requested switch
        {
            CacheMode.Off => CacheMode.Off,
            _ when forceRefresh => CacheMode.Refresh,
            { } explicitMode => explicitMode,
            null => (config.Enabled ?? policy.Enabled ?? false) ? CacheMode.Use : CacheMode.Off,
        };
        if (mode == CacheMode.Off)
        {
            return Off;
        }

        var maxAge = ReadMaxAge(headers, out var maxAgeError);
        if (maxAgeError is not null && (requested is not null || forceRefresh))
        {
            return maxAgeError;
        }

        var timeToLive = maxAge ?? Clamp(config.MaxAge) ?? Clamp(policy.MaxAge) ?? DefaultMaxAge;
        return new CacheDirective(mode, timeToLive, @namespace, echo);
    }

    /// <summary>Sets <c>x-gateway-cache</c> (and <c>x-metrion-cache</c> when the client used that alias).</summary>
    public void WriteStatus(IHeaderDictionary responseHeaders, CacheStatus status)
    {
        var text = StatusText(status);
        responseHeaders[CacheHeaders.Cache] = text;
        if (EchoMetrionAlias)
        {
            responseHeaders[CacheHeaders.MetrionCache] = text;
        }
    }

    /// <summary>The header value, also what the usage event's <c>cache_status</c> records.</summary>
    public static string StatusText(CacheStatus status) => status switch
    {
        CacheStatus.Hit => "HIT",
        CacheStatus.Miss => "MISS",
        _ => "REFRESH",
    };

    private static CacheMode? ParseMode(string raw)
    {
        var value = raw.AsSpan().Trim();
        if (value.Equals("true", StringComparison.OrdinalIgnoreCase))
        {
            return CacheMode.Use;
        }

        if (value.Equals("refresh", StringComparison.OrdinalIgnoreCase))
        {
            return CacheMode.Refresh;
        }

        return value.Equals("false", StringComparison.OrdinalIgnoreCase) ? CacheMode.Off : null;
    }

    private static bool IsValidNamespace(string value)
    {
        if (value.Length is 0 or > MaxNamespaceLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not ('-' or '_' or '.' or '@' or '/'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The <c>max-age</c> directive of <c>Cache-Control</c>, null when there is none.</summary>
    private static TimeSpan? ReadMaxAge(IHeaderDictionary headers, out GatewayError? error)
    {
        error = null;
        foreach (var header in headers[HeaderNames.CacheControl])
        {
            if (header is null)
            {
                continue;
            }

            foreach (var range in header.AsSpan().Split(','))
            {
                var directive = header.AsSpan(range);
                var equals = directive.IndexOf('=');
                var name = (equals < 0 ? directive : directive[..equals]).Trim();
                if (!name.Equals("max-age", StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                if (equals < 0)
                {
                    error = InvalidMaxAge();
                    return null;
                }

                var value = directive[(equals + 1)..].Trim();
                if (value.Length >= 2 && value[0] == '"' && value[^1] == '"')
                {
                    value = value[1..^1];
                }

                if (value.IsEmpty || value.Length > 12 || value.ContainsAnyExceptInRange('0', '9')
                    || !long.TryParse(value, out var seconds) || seconds < 1 || seconds > MaxMaxAgeSeconds)
                {
                    error = InvalidMaxAge();
                    return null;
                }

                return TimeSpan.FromSeconds(seconds);
            }
        }

        return null;
    }

    private static TimeSpan? Clamp(TimeSpan? maxAge) =>
        maxAge is not { } value || value <= TimeSpan.Zero ? null : value > MaxMaxAge ? MaxMaxAge : value;

    private static GatewayError InvalidMaxAge() => Invalid("invalid_cache_max_age",
        $"Header 'Cache-Control' max-age must be a whole number of seconds from 1 to {MaxMaxAgeSeconds} (365 days); the default is 7 days.");

    private static GatewayError Invalid(string code, string message) =>
        new(StatusCodes.Status400BadRequest, ErrorTypes.InvalidRequest, code, message);
}
