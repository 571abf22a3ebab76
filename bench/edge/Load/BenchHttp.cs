using System.Net;
using System.Text;

namespace Gateway.Bench.Edge.Load;

/// <summary>The benchmark's own HTTP client: pooled keep-alive connections, no proxy, no decompression, no limit on
/// connections per server.</summary>
internal static class BenchHttp
{
    public static HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        MaxConnectionsPerServer = int.MaxValue,
    })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };

    public static HttpRequestMessage Request(LoadTarget target)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, target.Url)
        {
            Content = new StringContent(target.Body, Encoding.UTF8, "application/json"),
        };
        foreach (var (name, value) in target.Headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }
}
