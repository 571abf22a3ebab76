using System.Diagnostics;

namespace Gateway.Edge.Caching;

/// <summary>Lets one cache warning through per interval: while the Cache service is down every request fails its
/// lookup, and the metric counts them all; the log needs only to say that it is happening.</summary>
internal sealed class CacheWarnings
{
    private static readonly long Interval = Stopwatch.Frequency * 30;

    private long _next;

    public bool ShouldWarn()
    {
        var now = Stopwatch.GetTimestamp();
        var next = Interlocked.Read(ref _next);
        return now >= next && Interlocked.CompareExchange(ref _next, now + Interval, next) == next;
    }
}
