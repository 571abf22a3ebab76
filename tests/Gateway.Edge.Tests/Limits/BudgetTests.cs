extern alias edge;

using edge::Gateway.Edge.Auth;
using edge::Gateway.Edge.Errors;
using edge::Gateway.Edge.Limits;

namespace Gateway.Edge.Tests.Limits;

/// <summary>The monthly budget against a real Redis: reserve before, settle after, exact money, no leaks.</summary>
public sealed class BudgetTests(LimitsRedisFixture redis) : IClassFixture<LimitsRedisFixture>
{
    // LimitsHarness.Request(): 1000 input tokens x USD 1/M + 1000 output tokens x USD 2/M.
    private const decimal Estimate = 0.003m;
    private const decimal Budget = 10 * Estimate;
    private const int Concurrent = 50;

    [Fact]
    public async Task Fifty_concurrent_requests_overshoot_the_budget_by_at_most_the_in_flight_estimates()
    {
        using var harness = new LimitsHarness(redis.Server.ConnectionString);
        var tenant = harness.NewTenant(LimitsHarness.Policy(budgetUsd: Budget));

        // All 50 admissions race before any settles: the budget holds exactly 10 estimates, so exactly 10 get in.
        var outcomes = await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(i =>
            Task.Run(async () => await harness.Admission.AdmitAsync(LimitsHarness.Request(tenant, "key-" + (i % 5)), CancellationToken.None))));

        var admitted = outcomes.Where(outcome => outcome.Error is null).Select(outcome => outcome.Value!).ToList();
        Assert.Equal(10, admitted.Count);
        Assert.All(outcomes.Where(outcome => outcome.Error is not null), outcome =>
            Assert.Equal((402, "budget_exceeded"), (outcome.Error!.StatusCode, outcome.Error.Code)));
        Assert.All(admitted, admission => Assert.Equal(Estimate, admission.ReservedUsd));
        var period = admitted[0].BudgetPeriod;
        Assert.Equal((0L, MicroCents.FromCost(Budget), 10L), await harness.Store!.GetBudgetAsync(tenant, period));

        // Each one costs a third more than its estimate (a provider ignored max_tokens): the overshoot is 10 x 0.001,
        // within the in-flight estimates (10 x 0.003), and the spend is exactly the sum of the settled costs.
        const decimal actual = 0.004m;
        await Task.WhenAll(admitted.Select(admission => harness.Admission.SettleAsync(admission, actual, 2000).AsTask()));

        var (spent, reserved, reservations) = await harness.Store.GetBudgetAsync(tenant, period);
        Assert.Equal(MicroCents.FromCost(10 * actual), spent);
        Assert.True(spent - MicroCents.FromCost(Budget) <= MicroCents.FromCost(10 * Estimate));
        Assert.Equal((0L, 0L), (reserved, reservations));

        // The month is spent: even a request of an unpriced model (estimated at 0) is refused now.
        var unpriced = await harness.Admission.AdmitAsync(LimitsHarness.Request(tenant, model: "unpriced-model"), CancellationToken.None);
        Assert.Equal(402, unpriced.Error!.StatusCode);
    }

    [Fact]
    public async Task Fifty_concurrent_admit_and_settle_cycles_never_spend_past_the_budget_and_spend_exactly_what_was_settled()
    {
        using var harness = new LimitsHarness(redis.Server.ConnectionString);
        var tenant = harness.NewTenant(LimitsHarness.Policy(budgetUsd: Budget));
        const decimal actual = 0.002m; // below the estimate, as the estimate errs high

        var results = await Task.WhenAll(Enumerable.Range(0, Concurrent).Select(_ => Task.Run(async () =>
        {
            var outcome = await harness.Admission.AdmitAsync(LimitsHarness.Request(tenant), CancellationToken.None);
            if (outcome.Error is not null)
            {
                return (Admitted: false, Period: "");
            }

            await harness.Admission.SettleAsync(outcome.Value!, actual, 1500);
            return (Admitted: true, Period: outcome.Value!.BudgetPeriod);
        })));

        var admittedCount = results.Count(result => result.Admitted);
        var (spent, reserved, reservations) = await harness.Store!.GetBudgetAsync(tenant, results.First(result => result.Admitted).Period);
        Assert.InRange(admittedCount, 10, 15); // 10 estimates fit; settled ones free room for at most 15 x 0.002
        Assert.Equal(MicroCents.FromCost(admittedCount * actual), spent);
        Assert.True(spent <= MicroCents.FromCost(Budget));
        Assert.Equal((0L, 0L), (reserved, reservations));
    }

    [Fact]
    public async Task The_402_names_the_budget_and_the_period_and_leaves_room_for_cheaper_requests()
    {
        using var harness = new LimitsHarness(redis.Server.ConnectionString);
        var tenant = harness.NewTenant(LimitsHarness.Policy(budgetUsd: 0.005m));

        var first = await harness.Admission.AdmitAsync(LimitsHarness.Request(tenant), CancellationToken.None);
        var second = await harness.Admission.AdmitAsync(LimitsHarness.Request(tenant), CancellationToken.None);

        Assert.Null(first.Error);
        var error = Assert.IsType<GatewayError>(second.Error);
        Assert.Equal((402, "budget_exceeded", "insufficient_quota"), (error.StatusCode, error.Code, error.Type));
        Assert.Contains("monthly budget of USD 0.005 for 2026-03", error.Message, StringComparison.Ordinal);
        Assert.Contains("USD 0.003 reserved", error.Message, StringComparison.Ordinal);
        Assert.Equal(0m, second.Value!.ReservedUsd);
        Assert.Null(second.Value.Ticket);

        // A request asking for fewer output tokens has a smaller estimate and still fits (0.003 + 0.0012 <= 0.005).
        var smaller = await harness.Admission.AdmitAsync(LimitsHarness.Request(tenant, inputTokens: 1000, maxOutputTokens: 100), CancellationToken.None);
        Assert.Null(smaller.Error);
        Assert.Equal(0.0012m, smaller.Value!.ReservedUsd);
    }

    [Fact]
    public async Task A_request_without_max_tokens_reserves_the_configured_default_output()
    {
        using var harness = new LimitsHarness(redis.Server.ConnectionString, new LimitOptions { KeyPrefix = "test:default-output:", DefaultOutputTokens = 500, OperationTimeout = TimeSpan.FromSeconds(10) });
        var tenant = harness.NewTenant(LimitsHarness.Policy(budgetUsd: 1m));

        var admitted = await harness.Admission.AdmitAsync(LimitsHarness.Request(tenant, inputTokens: 250, maxOutputTokens: null), CancellationToken.None);

        Assert.Equal(0.00125m, admitted.Value!.ReservedUsd); // 250 x 1/M + 500 x 2/M
    }

    [Fact]
    public async Task Reservations_never_settled_expire_and_free_the_budget()
    {
        using var harness = new LimitsHarness(redis.Server.ConnectionString);
        var tenant = harness.NewTenant(LimitsHarness.Policy(budgetUsd: 2 * Estimate));
        var period = LimitKeys.Period(harness.Clock.GetUtcNow());

        // Two requests whose Edge died before settling hold the whole budget...
        var abandoned = (await harness.Admission.AdmitAsync(LimitsHarness.Request(tenant), CancellationToken.None)).Value!;
        Assert.NotNull(abandoned.Ticket);
        Assert.Null((await harness.Admission.AdmitAsync(LimitsHarness.Request(tenant), CancellationToken.None)).Error);
        harness.Clock.Advance(harness.Options.ReservationLifetime - TimeSpan.FromSeconds(1));
        Assert.NotNull((await harness.Admission.AdmitAsync(LimitsHarness.Request(tenant), CancellationToken.None)).Error);

        // ...until their lifetime is over: the next admission drops them and fits.
        harness.Clock.Advance(TimeSpan.FromSeconds(2));
        var admitted = await harness.Admission.AdmitAsync(LimitsHarness.Request(tenant), CancellationToken.None);

        Assert.Null(admitted.Error);
        Assert.Equal((0L, MicroCents.FromCost(Estimate), 1L), await harness.Store!.GetBudgetAsync(tenant, period));

        // A late settle of an expired reservation still records its (real) spend and releases nothing twice.
        await harness.Admission.SettleAsync(abandoned, 0.001m, 10);
        Assert.Equal((MicroCents.FromCost(0.001m), MicroCents.FromCost(Estimate), 1L), await harness.Store.GetBudgetAsync(tenant, period));
        await harness.Admission.SettleAsync(admitted.Value!, 0.002m, 10);
        Assert.Equal((MicroCents.FromCost(Estimate), 0L, 0L), await harness.Store.GetBudgetAsync(tenant, period));
    }

    [Fact]
    public async Task A_request_refused_for_budget_counts_against_no_rate_limit()
    {
        using var harness = new LimitsHarness(redis.Server.ConnectionString);
        var tenant = harness.NewTenant(LimitsHarness.Policy(budgetUsd: Estimate, tenant: new RateLimits(5, 0)));

        var admitted = await harness.Admission.AdmitAsync(LimitsHarness.Request(tenant), CancellationToken.None);
        for (var i = 0; i < 10; i++)
        {
            var refused = await harness.Admission.AdmitAsync(LimitsHarness.Request(tenant), CancellationToken.None);
            Assert.Equal(402, refused.Error!.StatusCode);
            Assert.Equal("4", refused.Value!.Headers.Single(header => header.Key == "x-ratelimit-remaining-requests").Value);
        }

        Assert.Equal("4", admitted.Value!.Headers.Single(header => header.Key == "x-ratelimit-remaining-requests").Value);
    }

    [Fact]
    public async Task Budgets_are_per_calendar_month()
    {
        using var harness = new LimitsHarness(redis.Server.ConnectionString);
        var tenant = harness.NewTenant(LimitsHarness.Policy(budgetUsd: Estimate));
        harness.Clock.Set(new DateTimeOffset(2026, 3, 31, 23, 59, 0, TimeSpan.Zero));
        var march = (await harness.Admission.AdmitAsync(LimitsHarness.Request(tenant), CancellationToken.None)).Value!;
        await harness.Admission.SettleAsync(march, Estimate, 10);
        Assert.NotNull((await harness.Admission.AdmitAsync(LimitsHarness.Request(tenant), CancellationToken.None)).Error);

        harness.Clock.Set(new DateTimeOffset(2026, 4, 1, 0, 0, 0, TimeSpan.Zero));
        var april = await harness.Admission.AdmitAsync(LimitsHarness.Request(tenant), CancellationToken.None);

        Assert.Null(april.Error);
        Assert.Equal(("2026-03", "2026-04"), (march.BudgetPeriod, april.Value!.BudgetPeriod));
    }

    [Fact]
    public async Task Every_key_expires_rate_windows_after_two_minutes_and_budgets_a_month_after_their_period()
    {
        using var harness = new LimitsHarness(redis.Server.ConnectionString);
        var tenant = harness.NewTenant(LimitsHarness.Policy(budgetUsd: 1m, tenant: new RateLimits(10, 0)));
        var prefix = $"{harness.Options.KeyPrefix}{{{tenant}}}:";

        // The clock says 2026-03-10 12:00 whatever Redis' own clock says: expiries are relative to it.
        await harness.Admission.AdmitAsync(LimitsHarness.Request(tenant), CancellationToken.None);

        var untilMay = TimeSpan.FromDays(51.5); // 2026-05-01, a month after March ends
        foreach (var key in new[] { prefix + "budget:2026-03", prefix + "budget:2026-03:res" })
        {
            var ttl = await harness.Redis.KeyTimeToLiveAsync(key);
            Assert.InRange(ttl!.Value, untilMay - TimeSpan.FromMinutes(1), untilMay);
        }

        var minute = harness.Clock.GetUtcNow().ToUnixTimeMilliseconds() / LimitKeys.WindowMs;
        Assert.InRange((await harness.Redis.KeyTimeToLiveAsync(prefix + "rl:t:req:" + minute))!.Value, TimeSpan.FromSeconds(110), TimeSpan.FromSeconds(120));
    }

    [Theory]
    [InlineData("0.00000001", 1)]
    [InlineData("0.000000011", 2)]
    [InlineData("12.5", 1_250_000_000)]
    [InlineData("0", 0)]
    public void Costs_are_whole_micro_cents_rounded_up(string usd, long microCents) =>
        Assert.Equal(microCents, MicroCents.FromCost(decimal.Parse(usd, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public void Amounts_beyond_what_lua_holds_exactly_are_clamped() =>
        Assert.Equal(MicroCents.Max, MicroCents.FromBudget(decimal.MaxValue));
}
