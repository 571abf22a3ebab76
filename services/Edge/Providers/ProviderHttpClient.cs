using Gateway.Edge.Options;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Providers;

/// <summary>The one long-lived HttpClient for every provider. Deliberately not from IHttpClientFactory: its defaults
/// here add a resilience handler that buffers and would retry POSTs (retries and fallback belong to the router) and
/// time out long generations. Connections are pooled (kept alive between requests, no per-host cap) and recycled so
/// DNS changes are seen; the HTTP version is chosen per request by <see cref="ProviderProtocolHandler"/>.</summary>
internal sealed class ProviderHttpClient : IDisposable
{
    public ProviderHttpClient(IOptions<ProviderHttpOptions> options)
    {
        var settings = options.Value;
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = settings.PooledConnectionLifetime,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
            ConnectTimeout = settings.ConnectTimeout,
            AllowAutoRedirect = false,
            UseCookies = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            // HTTP/2 streams beyond one connection's limit (often 100) open another connection instead of queueing.
            EnableMultipleHttp2Connections = true,
            MaxConnectionsPerServer = int.MaxValue,
        };

        // Timeouts are per request (the Edge's upstream timeout), not the client's 100 s default.
        Client = new HttpClient(new ProviderProtocolHandler(handler, settings), disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    public HttpClient Client { get; }

    public void Dispose() => Client.Dispose();
}
