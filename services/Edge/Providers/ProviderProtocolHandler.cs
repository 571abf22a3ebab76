using System.Diagnostics;
using System.Net;
using Gateway.Edge.Options;

namespace Gateway.Edge.Providers;

/// <summary>Picks the HTTP version of every provider request. HttpClient applies its default version only to the
/// messages it creates itself, and every provider builds its own <see cref="HttpRequestMessage"/> (HTTP/1.1 unless
/// told otherwise), so the version has to be set here: HTTP/2 offered to https providers (ALPN falls back to
/// HTTP/1.1), h2c for the plain-http upstreams configured for it, HTTP/1.1 for the rest.
/// <para>With <c>propagateTraceContext</c> (the pool has no diagnostics handler, see <see cref="ProviderHttpClient"/>)
/// it also writes the current trace context (<c>traceparent</c>, <c>tracestate</c>, <c>baggage</c>) with the propagator
/// HttpClient would have used, never replacing a header that is already set.</para></summary>
internal sealed class ProviderProtocolHandler(HttpMessageHandler inner, ProviderHttpOptions options, bool propagateTraceContext = false)
    : DelegatingHandler(inner)
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
        if (propagateTraceContext && Activity.Current is { } activity)
        {
            DistributedContextPropagator.Current.Inject(activity, request, static (carrier, name, value) =>
            {
                if (carrier is HttpRequestMessage message && !message.Headers.Contains(name))
                {
                    message.Headers.TryAddWithoutValidation(name, value);
                }
            });
        }

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
