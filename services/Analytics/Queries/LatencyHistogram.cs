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

    /// <summary>The latency (µs) at quantile <paramref name="q"/> (0 &lt; q ≤ 1), or 0 for an empty histogram.</summary>
    public static long Percentile(long[]? histogram, double q)
    {
        if (histogram is null)
        {
            return 0;
        }

        long total = 0;
        foreach (var count in histogram)
        {
            total += count;
        }

        if (total == 0)
        {
            return 0;
        }

        // The rank of the percentile among the requests (nearest-rank definition).
        var rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < histogram.Length; i++)
        {
            seen += histogram[i];
            if (seen >= rank)
            {
                return Representative(i);
            }
        }

        return Representative(histogram.Length - 1);
    }

    /// <summary>The value reported for bucket <paramref name="index"/>.</summary>
    public static long Representative(int index) => index switch
    {
        <= 0 => (long)UnderflowUs,
        >= Buckets - 1 => (long)Math.Round(FirstEdgeUs * Math.Pow(2, (Buckets - 2) / 4.0)),
        _ => (long)Math.Round(FirstEdgeUs * Math.Pow(2, (index - 0.5) / 4.0)),
    };
}
