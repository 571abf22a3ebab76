using System.Globalization;

namespace Gateway.Edge.Limits;

/// <summary>OpenAI's rate-limit headers (clients and SDKs already read them) for the tightest of the tenant's and the
/// key's limits, plus <c>Retry-After</c> on a 429. Resets are durations like OpenAI's (<c>6m0s</c>, <c>20s</c>).</summary>
internal static class QuotaHeaders
{
    public const string LimitRequests = "x-ratelimit-limit-requests";
    public const string RemainingRequests = "x-ratelimit-remaining-requests";
    public const string ResetRequests = "x-ratelimit-reset-requests";
    public const string LimitTokens = "x-ratelimit-limit-tokens";
    public const string RemainingTokens = "x-ratelimit-remaining-tokens";
    public const string ResetTokens = "x-ratelimit-reset-tokens";
    public const string RetryAfter = "Retry-After";

    /// <param name="counted">Whether this request was counted (admitted), so the requests left are one fewer.</param>
    /// <param name="now">The admission time, for the reset of a window this request opened.</param>
    public static List<KeyValuePair<string, string>> For(AdmitResult result, bool counted, DateTimeOffset now)
    {
        var headers = new List<KeyValuePair<string, string>>(7);
        if (Tightest(result.TenantRequests, result.KeyRequests, counted ? 1 : 0) is { } requests)
        {
            // A request counted now leaves the sliding window at the end of the next minute at the latest.
            var reset = counted ? Math.Max(requests.ResetMs, (2 * LimitKeys.WindowMs) - (now.ToUnixTimeMilliseconds() % LimitKeys.WindowMs)) : requests.ResetMs;
            Add(headers, LimitRequests, RemainingRequests, ResetRequests, requests.Limit, requests.Remaining, reset);
        }

        if (Tightest(result.TenantTokens, result.KeyTokens, 0) is { } tokens)
        {
            Add(headers, LimitTokens, RemainingTokens, ResetTokens, tokens.Limit, tokens.Remaining, tokens.ResetMs);
        }

        if (result.Status == AdmitStatus.RateLimited)
        {
            headers.Add(new(RetryAfter, RetryAfterSeconds(result.RetryAfter).ToString(CultureInfo.InvariantCulture)));
        }

        return headers;
    }

    /// <summary>Whole seconds, rounded up and at least 1, so a client that waits that long finds room.</summary>
    public static int RetryAfterSeconds(TimeSpan wait) => (int)Math.Clamp(Math.Ceiling(wait.TotalSeconds), 1, int.MaxValue);

    /// <summary>OpenAI's duration format: <c>45s</c>, <c>1m30s</c>.</summary>
    public static string Duration(long milliseconds)
    {
        var seconds = (milliseconds + 999) / 1000;
        return seconds < 60
            ? string.Create(CultureInfo.InvariantCulture, $"{seconds}s")
            : string.Create(CultureInfo.InvariantCulture, $"{seconds / 60}m{seconds % 60}s");
    }

    private static (long Limit, long Remaining, long ResetMs)? Tightest(WindowQuota tenant, WindowQuota key, int used)
    {
        (long Limit, long Remaining, long ResetMs)? tightest = null;
        foreach (var quota in (ReadOnlySpan<WindowQuota>)[tenant, key])
        {
            if (!quota.IsSet)
            {
                continue;
            }

            var remaining = Math.Max(0, quota.RemainingBefore - used);
            if (tightest is null || remaining < tightest.Value.Remaining)
            {
                tightest = (quota.Limit, remaining, quota.ResetMs);
            }
        }

        return tightest;
    }

    private static void Add(List<KeyValuePair<string, string>> headers, string limitName, string remainingName, string resetName,
        long limit, long remaining, long resetMs)
    {
        headers.Add(new(limitName, limit.ToString(CultureInfo.InvariantCulture)));
        headers.Add(new(remainingName, remaining.ToString(CultureInfo.InvariantCulture)));
        headers.Add(new(resetName, Duration(resetMs)));
    }
}
