using System.Diagnostics;

namespace Gateway.Bench.Edge.Load;

/// <summary>Time to first streamed byte at concurrency 1: from sending the request to the first byte of the SSE body
/// (not the headers: the Edge may answer headers before the provider's first token). Direct and Edge requests
/// alternate, so both see the same background load.</summary>
internal static class TtfbProbe
{
    public static async Task<(LoadResult Direct, LoadResult Edge)> RunAsync(LoadTarget direct, LoadTarget edge, int requests,
        CancellationToken cancellationToken)
    {
        using var client = BenchHttp.CreateClient();
        for (var i = 0; i < Math.Max(20, requests / 10); i++)
        {
            await MeasureAsync(client, direct, cancellationToken);
            await MeasureAsync(client, edge, cancellationToken);
        }

        var directTimes = new List<double>(requests);
        var edgeTimes = new List<double>(requests);
        long directErrors = 0, edgeErrors = 0;
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < requests; i++)
        {
            var d = await MeasureAsync(client, direct, cancellationToken);
            var e = await MeasureAsync(client, edge, cancellationToken);
            if (d is { } directMs)
            {
                directTimes.Add(directMs);
            }
            else
            {
                directErrors++;
            }

            if (e is { } edgeMs)
            {
                edgeTimes.Add(edgeMs);
            }
            else
            {
                edgeErrors++;
            }
        }

        return (Summarize(directTimes, directErrors), Summarize(edgeTimes, edgeErrors));
    }

    /// <summary>Milliseconds to the first body byte, or null when the answer was not a 200 stream.</summary>
    private static async Task<double?> MeasureAsync(HttpClient client, LoadTarget target, CancellationToken cancellationToken)
    {
        using var request = BenchHttp.Request(target);
        var start = Stopwatch.GetTimestamp();
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var buffer = new byte[16 * 1024];
        var read = await body.ReadAsync(buffer, cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        var total = read;
        while (read > 0)
        {
            read = await body.ReadAsync(buffer, cancellationToken);
            total += read;
        }

        return response.IsSuccessStatusCode && total > 0 ? elapsed : null;
    }

    private static LoadResult Summarize(List<double> times, long errors)
    {
        times.Sort();
        return new LoadResult(double.NaN, Percentiles.Of(times, 50), Percentiles.Of(times, 99), Percentiles.Of(times, 99.9), times.Count, errors);
    }
}
