using System.Globalization;
using Gateway.Contracts.Usage.V1;

namespace Gateway.Analytics.Tests.Dashboard;

/// <summary>Usage of two fresh tenants over two UTC days, with the numbers the dashboard must show.
/// Tenant A: yesterday gpt-4o 1.25 (alice) + claude 0.5 (bob); today gpt-4o 0.75 (alice). 120 ms each.
/// Tenant B: today a cache hit of gpt-4o-mini (0 spent, 0.4 saved) and a 2.25 USD gpt-4o request, 2 s each.</summary>
internal sealed record DashboardSample(string TenantA, string TenantB, string Yesterday, string Today)
{
    public const string TotalSpend = "4.75";
    public const string TotalSaved = "0.4";

    public static async Task<DashboardSample> IngestAsync(AnalyticsFixture fixture)
    {
        var a = AnalyticsFixture.NewTenantId("dash-a");
        var b = AnalyticsFixture.NewTenantId("dash-b");
        // Minutes before now, and the same time of day yesterday: both inside the dashboard's range.
        var now = DateTime.UtcNow.AddMinutes(-2);
        var yesterday = now.AddDays(-1);

        var hit = Event(b, "0", "openai", "gpt-4o-mini", "carol", now, 2_000_000);
        hit.CacheStatus = "HIT";
        hit.SavedCostUsd = "0.4";
        var batch = UsageEvents.Batch(
            Event(a, "1.25", "openai", "gpt-4o", "alice", yesterday, 120_000),
            Event(a, "0.5", "anthropic", "claude-sonnet", "bob", yesterday, 120_000),
            Event(a, "0.75", "openai", "gpt-4o", "alice", now, 120_000),
            hit,
            Event(b, "2.25", "openai", "gpt-4o", "carol", now, 2_000_000));
        var response = await fixture.Ingest.IngestAsync(batch, AnalyticsFixture.InternalHeaders);
        Assert.Equal(batch.Events.Count, response.Accepted);
        return new DashboardSample(a, b, Day(yesterday), Day(now));
    }

    private static UsageEvent Event(string tenant, string cost, string provider, string model, string user, DateTime startedAt,
        long latencyUs)
    {
        var usage = UsageEvents.Create(tenant, cost, provider, model, startedAt: startedAt);
        usage.User = user;
        usage.LatencyUs = latencyUs;
        return usage;
    }

    private static string Day(DateTime time) => time.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
