extern alias edge;

using edge::Gateway.Edge.Routing;

namespace Gateway.Edge.Tests.Routing;

public sealed class RetryTimingTests
{
    [Fact]
    public void Backoff_grows_exponentially_with_full_jitter_up_to_the_cap()
    {
        var baseDelay = TimeSpan.FromMilliseconds(200);
        var cap = TimeSpan.FromSeconds(5);

        Assert.Equal(TimeSpan.Zero, RetryTiming.Backoff(0, baseDelay, cap, 0));
        Assert.Equal(100, RetryTiming.Backoff(0, baseDelay, cap, 0.5).TotalMilliseconds, 3);
        Assert.Equal(399.6, RetryTiming.Backoff(1, baseDelay, cap, 0.999).TotalMilliseconds, 3);
        Assert.Equal(800 * 0.5, RetryTiming.Backoff(2, baseDelay, cap, 0.5).TotalMilliseconds, 3);
        Assert.Equal(2500, RetryTiming.Backoff(10, baseDelay, cap, 0.5).TotalMilliseconds, 3);
        Assert.True(RetryTiming.Backoff(100, baseDelay, cap, 0.9999) < cap);
    }

    [Fact]
    public void Retry_after_in_seconds_or_http_date()
    {
        var now = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

        Assert.Equal(TimeSpan.FromSeconds(7), RetryTiming.ParseRetryAfter("7", now));
        Assert.Equal(TimeSpan.FromSeconds(1.5), RetryTiming.ParseRetryAfter(" 1.5 ", now));
        Assert.Equal(TimeSpan.FromSeconds(10), RetryTiming.ParseRetryAfter(now.AddSeconds(10).ToString("r"), now));
        Assert.Equal(TimeSpan.Zero, RetryTiming.ParseRetryAfter(now.AddSeconds(-10).ToString("r"), now));
        Assert.Null(RetryTiming.ParseRetryAfter(null, now));
        Assert.Null(RetryTiming.ParseRetryAfter("soon", now));
        Assert.Null(RetryTiming.ParseRetryAfter("-3", now));
    }
}
