using System.Globalization;

namespace Gateway.Edge.Routing;

/// <summary>How long to wait before retry number <c>n</c>: exponential back-off with full jitter (a random delay up
/// to <c>min(cap, base * 2^n)</c>, so clients retrying together spread out), unless the provider said how long with
/// <c>Retry-After</c> (seconds or an HTTP date), which wins.</summary>
internal static class RetryTiming
{
    /// <param name="retry">0 for the first retry.</param>
    /// <param name="unit">A number in [0, 1) (the jitter).</param>
    public static TimeSpan Backoff(int retry, TimeSpan baseDelay, TimeSpan cap, double unit)
    {
        var ceiling = baseDelay.TotalMilliseconds * Math.Pow(2, Math.Min(retry, 30));
        return TimeSpan.FromMilliseconds(Math.Min(cap.TotalMilliseconds, ceiling) * unit);
    }

    /// <summary>The provider's <c>Retry-After</c>, or null when absent or unreadable; a date in the past is zero.</summary>
    public static TimeSpan? ParseRetryAfter(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        var text = value.Trim();
        if (double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds))
        {
            return seconds <= 24 * 60 * 60 ? TimeSpan.FromSeconds(seconds) : null;
        }

        if (DateTimeOffset.TryParseExact(text, "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            var wait = date - now;
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }
}
