using System.Diagnostics;
using Gateway.Edge.Options;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Providers;

/// <summary>The one long-lived client for every provider. Deliberately not from IHttpClientFactory: its defaults
/// here add a resilience handler that buffers and would retry POSTs (retries and fallback belong to the router) and
/// time out long generations. Connections are pooled (kept alive between requests, no per-host cap) and recycled so
/// DNS changes are seen; the HTTP version is chosen per request by <see cref="ProviderProtocolHandler"/>.
/// <para>Unless spans are exported, the handler builds no client span of its own: HttpClient's span (an Activity with
/// its tags, redacted URL and id strings) was ~7 % of the bytes a proxied request allocated, for nobody to read.
/// <see cref="ProviderProtocolHandler"/> then puts the request's trace context (the server span's) on the provider
/// request itself, so the provider still continues the client's W3C trace.</para>
/// <para>An <see cref="HttpMessageInvoker"/>, not an <see cref="HttpClient"/>: with no timeout, base address or
/// default headers to apply, HttpClient only added a linked cancellation source and an async frame per request
/// (its <c>SendAsync</c> with <c>ResponseHeadersRead</c> returns what the handler returns, as this does).</para></summary>
internal sealed class ProviderHttpClient : IDisposable
{
    public ProviderHttpClient(IOptions<ProviderHttpOptions> options, IConfiguration? configuration = null)
    {
        var settings = options.Value;
        var exportsSpans = configuration is not null && ServiceDefaults.Extensions.ExportsTelemetry(configuration);
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
            // Null leaves HttpClient's diagnostics handler (and its span) out of the chain.
            ActivityHeadersPropagator = exportsSpans ? DistributedContextPropagator.Current : null,
        };

        // Timeouts are per request (the Edge's upstream timeout, through the token); the response is not buffered.
        MaxResponseBodyBytes = settings.MaxResponseBodyBytes;
        Client = new HttpMessageInvoker(new ProviderProtocolHandler(handler, settings, propagateTraceContext: !exportsSpans), disposeHandler: true);
    }

    public HttpMessageInvoker Client { get; }

    /// <summary><see cref="ProviderHttpOptions.MaxResponseBodyBytes"/>, for the providers to bound their bodies with.</summary>
    public long MaxResponseBodyBytes { get; }

    public void Dispose() => Client.Dispose();
}
