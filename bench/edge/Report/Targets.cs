using Gateway.Bench.Edge.Load;

namespace Gateway.Bench.Edge.Report;

/// <summary>The targets (issue 8, Benchmarks) applied to a measured row.</summary>
internal static class Targets
{
    public static ResultRow Latency(string scenario, int concurrency, LoadResult direct, LoadResult edge)
    {
        var row = new ResultRow(scenario, concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture), direct, edge);
        return (scenario, concurrency) switch
        {
            (_, 1) when scenario != Scenarios.Cache => row with { Target = "added p50 < 0.3 ms", Met = row.AddedP50 < 0.3 && edge.Errors == 0 },
            (Scenarios.NonStreaming, 64) => row with
            {
                Target = "Edge >= 10,000 rps, added p99 < 5 ms",
                Met = edge.RequestsPerSecond >= 10_000 && row.AddedP99 < 5 && edge.Errors == 0,
            },
            _ => row,
        };
    }

    public static ResultRow CacheHit(int concurrency, LoadResult edge)
    {
        var row = new ResultRow(Scenarios.Cache, concurrency.ToString(System.Globalization.CultureInfo.InvariantCulture), null, edge);
        return concurrency == 1 ? row with { Target = "p50 < 0.5 ms end to end", Met = edge.P50 < 0.5 && edge.Errors == 0 } : row;
    }

    public static ResultRow FirstByte(LoadResult direct, LoadResult edge)
    {
        var row = new ResultRow(Scenarios.FirstByte, "1", direct, edge);
        return row with { Target = "added < 1 ms (p50)", Met = row.AddedP50 < 1 && edge.Errors == 0 };
    }
}
