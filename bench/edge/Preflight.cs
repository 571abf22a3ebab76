using Gateway.Bench.Edge.Load;
using Gateway.Bench.Edge.Stack;

namespace Gateway.Bench.Edge;

/// <summary>Checks before and after measuring, so a table of fast errors is never mistaken for a fast gateway.</summary>
internal static class Preflight
{
    /// <summary>One plain and one streamed request through the Edge must reach the fake upstream and come back whole.</summary>
    public static async Task CheckAsync(GatewayStack stack, CancellationToken cancellationToken)
    {
        using var client = BenchHttp.CreateClient();
        foreach (var stream in (bool[])[false, true])
        {
            var target = LoadTarget.ThroughEdge(stack.EdgeUrl, stack.ApiKey, TenantBootstrap.VirtualKeySlug,
                LoadTarget.ChatBody(stream, "preflight"), cache: false);
            using var request = BenchHttp.Request(target);
            using var response = await client.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            var whole = stream ? body.Contains("[DONE]", StringComparison.Ordinal) : body.Contains("benchmark upstream", StringComparison.Ordinal);
            if (!response.IsSuccessStatusCode || !whole)
            {
                throw new InvalidOperationException($"The Edge did not relay the fake upstream's answer (stream={stream}): {(int)response.StatusCode} {body}");
            }
        }
    }

    /// <summary>Sends the cached request until the Edge answers it from the cache (the store happens after the answer).</summary>
    public static async Task WarmCacheAsync(LoadTarget cached, CancellationToken cancellationToken)
    {
        using var client = BenchHttp.CreateClient();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using var request = BenchHttp.Request(cached);
            using var response = await client.SendAsync(request, cancellationToken);
            await response.Content.CopyToAsync(Stream.Null, cancellationToken);
            if (response.IsSuccessStatusCode && response.Headers.TryGetValues("x-gateway-cache", out var values)
                && values.Contains("HIT", StringComparer.OrdinalIgnoreCase))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The cached request never became a cache HIT (last answer {(int)response.StatusCode}).");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>The tenant's request count in Analytics once it stops growing (events are batched off the hot path
    /// and Analytics drains a backlog after a heavy run): called before each measured run too, so a direct run is not
    /// measured while the previous Edge run's usage is still being ingested on the same cores.</summary>
    public static async Task<long> SettleUsageAsync(GatewayStack stack, TimeSpan maxWait, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + maxWait;
        var last = -1L;
        while (true)
        {
            var now = await TenantBootstrap.RecordedRequestsAsync(stack.AnalyticsGrpc, stack.AdminToken, cancellationToken);
            if (now == last || DateTime.UtcNow > deadline)
            {
                return now;
            }

            last = now;
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
        }
    }
}
