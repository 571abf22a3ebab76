using Gateway.Edge.Options;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Providers;

/// <summary>The one long-lived HttpClient for every provider. Deliberately not from IHttpClientFactory: its defaults
/// here add a resilience handler that would retry POSTs (retries and fallback belong to the router) and time out
/// long generations. Connections are pooled and recycled so DNS changes are seen.</summary>
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
            EnableMultipleHttp2Connections = true,
            MaxConnectionsPerServer = int.MaxValue,
        };

        // Timeouts are per request (the Edge's upstream timeout), not the client's 100 s default.
        // HTTP/2 where TLS negotiates it (many streams over few connections), HTTP/1.1 otherwise.
        Client = new HttpClient(handler, disposeHandler: true)
        {
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = System.Net.HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
        };
    }

    public HttpClient Client { get; }

    public void Dispose() => Client.Dispose();
}
