using Gateway.Bench.Edge.Load;

namespace Gateway.Bench.Edge.Soak;

/// <summary>What a soak measured: the paced load as achieved, and the Edge's RSS over time.</summary>
internal sealed record SoakResult(TimeSpan Duration, double TargetRate, LoadResult Load, IReadOnlyList<RssSample> Samples)
{
    public const double TargetMegabytes = 200;

    /// <summary>Growth over the second half considered "no upward trend": below 0.5 MB/min, i.e. under 30 MB/hour.</summary>
    public const double FlatSlopeMegabytesPerMinute = 0.5;

    public double First => Samples[0].Megabytes;

    public double Max => Samples.Max(s => s.Megabytes);

    public double Last => Samples[^1].Megabytes;

    /// <summary>The most the second half held: the soak's steady state, not what the load runs before it left behind
    /// (the Edge starts the soak at their RSS until the GC next shrinks the heap).</summary>
    public double SecondHalfMax => SecondHalf.Select(s => s.Megabytes).DefaultIfEmpty(double.NaN).Max();

    private IEnumerable<RssSample> SecondHalf => Samples.Where(s => s.At >= Duration / 2);

    /// <summary>Least-squares slope (MB/min) of the samples in the second half, after warm-up growth has settled.</summary>
    public double SecondHalfSlope
    {
        get
        {
            var half = SecondHalf.ToList();
            if (half.Count < 2)
            {
                return double.NaN;
            }

            var meanX = half.Average(s => s.At.TotalMinutes);
            var meanY = half.Average(s => s.Megabytes);
            var covariance = half.Sum(s => (s.At.TotalMinutes - meanX) * (s.Megabytes - meanY));
            var variance = half.Sum(s => Math.Pow(s.At.TotalMinutes - meanX, 2));
            return variance == 0 ? double.NaN : covariance / variance;
        }
    }

    /// <summary>The wording: under 200 MB after the soak (the last sample, and every sample of the second half),
    /// with no upward trend.</summary>
    public bool MeetsTarget => Last < TargetMegabytes && SecondHalfMax < TargetMegabytes && SecondHalfSlope < FlatSlopeMegabytesPerMinute;
}
