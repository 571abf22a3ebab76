namespace Gateway.Analytics.Queries;

/// <summary>Reads the latency histograms the rollups keep (bucket layout defined in migration 0002, numbered from 1
/// there and from 0 here): 82 fixed log-spaced buckets; index 0 is below 1 ms, index k (1..80) is [1 ms * 2^((k-1)/4), 1 ms * 2^(k/4)), index 81 is from
/// 1 ms * 2^20 up. A percentile is reported as the geometric middle of its bucket: within 2^(1/8) - 1 (about 9%) of
/// the true value between 1 ms and the last edge.</summary>
internal static class LatencyHistogram
{
    public const int Buckets = 82;
    private const double FirstEdgeUs = 1000;
    private const double UnderflowUs = 500;

    /// <summary>The latencies (µs) at the 50th, 95th and 99th percentiles, or zeros for an empty histogram, in one
    /// pass (a daily series by user takes them for thousands of points).</summary>
    public static (long P50, long P95, long P99) Percentiles(ReadOnlySpan<long> histogram)
    {
        long total = 0;
        foreach (var count in histogram)
        {
            total += count;
        }

        if (total == 0)
        {
            return (0, 0, 0);
        }

        // The ranks of the percentiles among the requests (nearest-rank definition).
        var rank50 = Rank(0.50, total);
        var rank95 = Rank(0.95, total);
        var rank99 = Rank(0.99, total);
        long p50 = -1, p95 = -1;
        long seen = 0;
        for (var i = 0; i < histogram.Length; i++)
        {
            seen += histogram[i];
            if (p50 < 0 && seen >= rank50)
            {
                p50 = Representative(i);
            }

            if (p95 < 0 && seen >= rank95)
            {
                p95 = Representative(i);
            }

            if (seen >= rank99)
            {
                return (p50, p95, Representative(i));
            }
        }

        var last = Representative(histogram.Length - 1);
        return (p50 < 0 ? last : p50, p95 < 0 ? last : p95, last);
    }

    private static long Rank(double q, long total) => (long)Math.Ceiling(q * total);

    /// <summary>The value reported for bucket <paramref name="index"/>.</summary>
    public static long Representative(int index) => index switch
    {
        <= 0 => (long)UnderflowUs,
        >= Buckets - 1 => (long)Math.Round(FirstEdgeUs * Math.Pow(2, (Buckets - 2) / 4.0)),
        _ => (long)Math.Round(FirstEdgeUs * Math.Pow(2, (index - 0.5) / 4.0)),
    };
}
