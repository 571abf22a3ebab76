using System.ComponentModel.DataAnnotations;

namespace Gateway.Edge.Options;

/// <summary>The connection pool shared by every provider (section <c>Providers:Http</c>).</summary>
public sealed record ProviderHttpOptions : IValidatableObject
{
    public const string SectionName = "Providers:Http";

    /// <summary>Connections are recycled after this long so DNS changes of a provider are picked up.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "01:00:00")]
    public TimeSpan PooledConnectionLifetime { get; init; } = TimeSpan.FromMinutes(2);

    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Offer HTTP/2 to https providers (negotiated with TLS ALPN; HTTP/1.1 when the provider declines), so
    /// concurrent requests share a few connections instead of opening one each.</summary>
    public bool Http2 { get; init; } = true;

    /// <summary>Plain-http upstreams (<c>host:port</c>) that speak HTTP/2 without TLS (h2c with prior knowledge), e.g. a
    /// local inference server or a sidecar proxy. Every other http:// upstream gets HTTP/1.1, since a server that
    /// only speaks HTTP/1.1 cannot answer an h2c request.</summary>
    public string[] Http2PriorKnowledgeHosts { get; init; } = [];

    /// <summary>Largest non-streamed provider body the Edge reads (it holds such a body whole, to read its usage or
    /// translate it); beyond it the attempt fails like a provider fault (502 <c>upstream_response_too_large</c>,
    /// fallback rules apply). Event streams are bounded per event instead. Passthrough bodies are relayed as they come
    /// and not bounded.</summary>
    [Range(64 * 1024, 1L << 30)]
    public long MaxResponseBodyBytes { get; init; } = 32 * 1024 * 1024;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        foreach (var entry in Http2PriorKnowledgeHosts)
        {
            if (ParseHostPort(entry) is null)
            {
                yield return new ValidationResult($"'{entry}' is not a host:port.", [nameof(Http2PriorKnowledgeHosts)]);
            }
        }
    }

    /// <summary>"host:port" (IPv6 in brackets) as host and port, or null.</summary>
    internal static (string Host, int Port)? ParseHostPort(string entry) =>
        Uri.TryCreate("http://" + entry.Trim(), UriKind.Absolute, out var uri) && uri.PathAndQuery == "/" && uri.UserInfo.Length == 0
            && entry.Trim().EndsWith(":" + uri.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal)
            ? (uri.IdnHost, uri.Port)
            : null;
}
