extern alias edge;

using System.Globalization;
using edge::Gateway.Edge.Auth;
using edge::Gateway.Edge.Errors;
using edge::Gateway.Edge.Limits;

namespace Gateway.Edge.Tests.Limits;

/// <summary>Requests and tokens per minute against a real Redis, with the clock passed in (no sleeping).</summary>
public sealed class RateLimitTests(LimitsRedisFixture redis) : IClassFixture<LimitsRedisFixture>
{
    // 10 s into a minute, so the sliding-window arithmetic below is easy to follow.
    private static readonly DateTimeOffset MinuteStart = new(2026, 3, 10, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Requests_over_the_limit_get_429_with_a_retry_after_that_is_exactly_long_enough()
    {
        using var harness = new LimitsHarness(redis.Server.ConnectionString);
        var tenant = harness.NewTenant(LimitsHarness.Policy(tenant: new RateLimits(3, 0)));
        harness.Clock.Set(MinuteStart.AddSeconds(10));

        for (var i = 0; i < 3; i++)
        {
            Assert.Null((await AdmitAsync(harness, tenant)).Error);
        }

        var refused = await AdmitAsync(harness, tenant);

        var error = Assert.IsType<GatewayError>(refused.Error);
        Assert.Equal((429, "rate_limit_exceeded", "rate_limit_error"), (error.StatusCode, error.Code, error.Type));
        Assert.Contains("3 requests per minute", error.Message, StringComparison.Ordinal);
        // 3 counted this minute, 2 allowed before a 4th: the window has to slide until 3 x (weight of the previous
        // minute) <= 2, i.e. 50 s to the end of this minute plus 20 s into the next = 70 s.
        Assert.Equal("70", Header(refused.Value!, "Retry-After"));
        Assert.Equal("0", Header(refused.Value!, "x-ratelimit-remaining-requests"));

        harness.Clock.Advance(TimeSpan.FromSeconds(69));
        Assert.NotNull((await AdmitAsync(harness, tenant)).Error);
        harness.Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Null((await AdmitAsync(harness, tenant)).Error);
    }

    [Fact]
    public async Task Refused_requests_consume_no_quota()
    {
        using var harness = new LimitsHarness(redis.Server.ConnectionString);
        var tenant = harness.NewTenant(LimitsHarness.Policy(tenant: new RateLimits(2, 0)));
        harness.Clock.Set(MinuteStart);
        await AdmitAsync(harness, tenant);
        await AdmitAsync(harness, tenant);

        for (var i = 0; i < 20; i++)
        {
            Assert.NotNull((await AdmitAsync(harness, tenant)).Error);
        }

        var minute = MinuteStart.ToUnixTimeMilliseconds() / 60_000;
        Assert.Equal(2, (long)await harness.Redis.StringGetAsync($"{harness.Options.KeyPrefix}{{{tenant}}}:rl:t:req:{minute}"));
        // Two minutes on, the window is empty again: the 20 refusals left nothing behind.
        harness.Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal("1", Header((await AdmitAsync(harness, tenant)).Value!, "x-ratelimit-remaining-requests"));
    }

    [Fact]
    public async Task Remaining_requests_count_down_and_the_previous_minute_weighs_less_as_the_window_slides()
    {
        using var harness = new LimitsHarness(redis.Server.ConnectionString);
        var tenant = harness.NewTenant(LimitsHarness.Policy(tenant: new RateLimits(10, 0)));
        harness.Clock.Set(MinuteStart);

        var remaining = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            var admitted = await AdmitAsync(harness, tenant);
            Assert.Equal("10", Header(admitted.Value!, "x-ratelimit-limit-requests"));
            remaining.Add(Header(admitted.Value!, "x-ratelimit-remaining-requests"));
        }

        Assert.Equal(["9", "8", "7", "6"], remaining);

        // Next minute, 45 s in: the 4 requests of the previous minute weigh 4 x 15/60 = 1, so 10 - 1 - 1 remain.
        harness.Clock.Set(MinuteStart.AddSeconds(105));
        Assert.Equal("8", Header((await AdmitAsync(harness, tenant)).Value!, "x-ratelimit-remaining-requests"));
    }

    [Fact]
    public async Task Per_key_limits_apply_to_each_key_and_the_tenant_limit_to_all_keys_together()
    {
        using var harness = new LimitsHarness(redis.Server.ConnectionString);
        var tenant = harness.NewTenant(LimitsHarness.Policy(tenant: new RateLimits(3, 0), key: new RateLimits(2, 0)));
        harness.Clock.Set(MinuteStart);

        Assert.Null((await AdmitAsync(harness, tenant, "key-a")).Error);
        Assert.Null((await AdmitAsync(harness, tenant, "key-a")).Error);
        var keyRefusal = await AdmitAsync(harness, tenant, "key-a");
        Assert.Contains("for this API key", keyRefusal.Error!.Message, StringComparison.Ordinal);

        // key-b has its own key quota, but only one request of the tenant's three is left.
        var admitted = await AdmitAsync(harness, tenant, "key-b");
        Assert.Null(admitted.Error);
        Assert.Equal(("3", "0"), (Header(admitted.Value!, "x-ratelimit-limit-requests"), Header(admitted.Value!, "x-ratelimit-remaining-requests")));
        var tenantRefusal = await AdmitAsync(harness, tenant, "key-b");
        Assert.Contains("for this tenant", tenantRefusal.Error!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tokens_are_counted_at_settle_and_refuse_requests_once_the_window_holds_the_limit()
    {
        using var harness = new LimitsHarness(redis.Server.ConnectionString);
        var tenant = harness.NewTenant(LimitsHarness.Policy(key: new RateLimits(0, 1000)));
        harness.Clock.Set(MinuteStart);

        var first = (await AdmitAsync(harness, tenant)).Value!;
        Assert.Equal(("1000", "1000"), (Header(first, "x-ratelimit-limit-tokens"), Header(first, "x-ratelimit-remaining-tokens")));
        await harness.Admission.SettleAsync(first, 0m, 600);

        var second = (await AdmitAsync(harness, tenant)).Value!;
        Assert.Equal("400", Header(second, "x-ratelimit-remaining-tokens"));
        await harness.Admission.SettleAsync(second, 0m, 400);

        var refused = await AdmitAsync(harness, tenant);
        Assert.Equal((429, "rate_limit_exceeded"), (refused.Error!.StatusCode, refused.Error.Code));
        Assert.Contains("1000 tokens per minute", refused.Error.Message, StringComparison.Ordinal);
        // 1000 used this minute, 999 allowed before another request: 60 s to the minute's end + 0.06 s into the next.
        Assert.Equal("61", Header(refused.Value!, "Retry-After"));
        // Another key of the same tenant has its own token window.
        Assert.Null((await AdmitAsync(harness, tenant, "key-2")).Error);

        harness.Clock.Advance(TimeSpan.FromSeconds(61));
        Assert.Null((await AdmitAsync(harness, tenant)).Error);
    }

    [Fact]
    public async Task The_tightest_limit_is_reported_and_reset_is_an_openai_duration()
    {
        using var harness = new LimitsHarness(redis.Server.ConnectionString);
        var tenant = harness.NewTenant(LimitsHarness.Policy(tenant: new RateLimits(100, 0), key: new RateLimits(5, 0)));
        harness.Clock.Set(MinuteStart.AddSeconds(30));

        var admitted = (await AdmitAsync(harness, tenant)).Value!;

        Assert.Equal(("5", "4"), (Header(admitted, "x-ratelimit-limit-requests"), Header(admitted, "x-ratelimit-remaining-requests")));
        // Counted now, at :30, it has left the sliding window by the end of the next minute: 90 s.
        Assert.Equal("1m30s", Header(admitted, "x-ratelimit-reset-requests"));
        Assert.DoesNotContain(admitted.Headers, header => header.Key.EndsWith("-tokens", StringComparison.Ordinal));
    }

    private static async Task<Outcome<Admission>> AdmitAsync(LimitsHarness harness, string tenant, string key = "key-1") =>
        await harness.Admission.AdmitAsync(LimitsHarness.Request(tenant, key), CancellationToken.None);

    private static string Header(Admission admission, string name) =>
        Assert.Single(admission.Headers, header => string.Equals(header.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    internal static long Minute(DateTimeOffset time) => time.ToUnixTimeMilliseconds() / 60_000;

    internal static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
