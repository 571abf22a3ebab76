using System.Globalization;
using Gateway.Bench.Edge.Load;

namespace Gateway.Bench.Edge.Report;

/// <summary>The targets (issue 8, Benchmarks) applied to a measured row.</summary>
internal static class Targets
{
    public static ResultRow Latency(string scenario, int concurrency, LoadResult direct, LoadResult edge)
    {
        var row = new ResultRow(scenario, concurrency.ToString(CultureInfo.InvariantCulture), direct, edge);
        return (scenario, concurrency) switch
        {
            (_, 1) when scenario != Scenarios.Cache => row with { Target = "added p50 < 0.3 ms", Met = row.AddedP50 < 0.3 && edge.Errors == 0 },
            // Closed loop: every connection sends as soon as its answer arrives, so this is the most the Edge does, and
            // its latency is mostly queueing (64 connections / rate, by Little's law); the latency half of the target is
            // judged at a fixed rate instead (Paced).
            (Scenarios.NonStreaming, 64) => row with
            {
                Target = "Edge >= 10,000 rps (closed loop: the most it does)",
                Met = edge.RequestsPerSecond >= 10_000 && edge.Errors == 0,
            },
            _ => row,
        };
    }

    /// <summary>The same 64 connections offered a fixed rate: "sustains" means the achieved rate stays within 1 % of
    /// the offered one, and the added p99 is then latency, not queueing.</summary>
    public static ResultRow Paced(double rate, LoadResult direct, LoadResult edge)
    {
        var row = new ResultRow(Scenarios.Paced + string.Create(CultureInfo.InvariantCulture, $" at {rate:N0}/s"), "64", direct, edge);
        return row with
        {
            Target = "Edge sustains 10,000 rps, added p99 < 5 ms",
            Met = rate >= 10_000 && edge.RequestsPerSecond >= 0.99 * rate && row.AddedP99 < 5 && edge.Errors == 0,
        };
    }

    public static ResultRow CacheHit(int concurrency, LoadResult edge)
    {
        var row = new ResultRow(Scenarios.Cache, concurrency.ToString(CultureInfo.InvariantCulture), null, edge);
        return concurrency == 1 ? row with { Target = "p50 < 0.5 ms end to end", Met = edge.P50 < 0.5 && edge.Errors == 0 } : row;
    }

    public static ResultRow FirstByte(LoadResult direct, LoadResult edge)
    {
        var row = new ResultRow(Scenarios.FirstByte, "1", direct, edge);
        return row with { Target = "added < 1 ms (p50)", Met = row.AddedP50 < 1 && edge.Errors == 0 };
    }
}
