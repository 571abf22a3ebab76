using System.Net;
using Gateway.Edge.Options;

namespace Gateway.Edge.Providers;

/// <summary>Picks the HTTP version of every provider request. HttpClient applies its default version only to the
/// messages it creates itself, and every provider builds its own <see cref="HttpRequestMessage"/> (HTTP/1.1 unless
/// told otherwise), so the version has to be set here: HTTP/2 offered to https providers (ALPN falls back to
/// HTTP/1.1), h2c for the plain-http upstreams configured for it, HTTP/1.1 for the rest.</summary>
internal sealed class ProviderProtocolHandler(HttpMessageHandler inner, ProviderHttpOptions options) : DelegatingHandler(inner)
{
    private readonly (string Host, int Port)[] _h2c = ParseAll(options.Http2PriorKnowledgeHosts);
    private readonly bool _http2 = options.Http2;

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Apply(request);
        return base.SendAsync(request, cancellationToken);
    }

    protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        Apply(request);
        return base.Send(request, cancellationToken);
    }

    internal void Apply(HttpRequestMessage request)
    {
        var uri = request.RequestUri!;
        if (uri.Scheme == Uri.UriSchemeHttps)
        {
            request.Version = _http2 ? HttpVersion.Version20 : HttpVersion.Version11;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
        }
        else if (IsH2c(uri))
        {
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }
        else
        {
            request.Version = HttpVersion.Version11;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionOrLower;
        }
    }

    private bool IsH2c(Uri uri)
    {
        foreach (var (host, port) in _h2c)
        {
            if (port == uri.Port && string.Equals(host, uri.IdnHost, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    private static (string Host, int Port)[] ParseAll(string[] entries)
    {
        var parsed = new List<(string, int)>(entries.Length);
        foreach (var entry in entries)
        {
            if (ProviderHttpOptions.ParseHostPort(entry) is { } hostPort)
            {
                parsed.Add(hostPort);
            }
        }

        return [.. parsed];
    }
}
