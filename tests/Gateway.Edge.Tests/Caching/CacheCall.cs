using System.Net;

namespace Gateway.Edge.Tests.Caching;

/// <summary>One request through the Edge and what came back: status, the cache headers, the body, the trace id.</summary>
public sealed record CacheCall(HttpStatusCode Status, string? Cache, string? MetrionCache, string? Key, string Body, string TraceId, string? ContentType)
{
    public static async Task<CacheCall> SendAsync(HttpClient client, HttpRequestMessage request)
    {
        var traceId = request.Headers.GetValues("x-gateway-trace-id").Single();
        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return new CacheCall(response.StatusCode, Header(response, "x-gateway-cache"), Header(response, "x-metrion-cache"),
            Header(response, "x-gateway-cache-key"), body, traceId, response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Polls until <paramref name="condition"/> holds (stores are written off the request path).</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, what);
            await Task.Delay(10);
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}
