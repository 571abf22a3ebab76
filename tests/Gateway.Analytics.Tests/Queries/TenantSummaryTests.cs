using Gateway.Contracts.Analytics.V1;
using Gateway.Contracts.Usage.V1;
using Gateway.Testing;

namespace Gateway.Analytics.Tests.Queries;

[Collection(AnalyticsCollection.Name)]
public sealed class TenantSummaryTests(AnalyticsFixture fixture)
{
    private static readonly DateTime MonthStart = new(DateTime.UtcNow.Year, DateTime.UtcNow.Month, 1, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task Month_to_date_spend_top_models_and_users_and_the_budget_left()
    {
        var tenant = AnalyticsFixture.NewTenantId("summary");
        fixture.Config.Budgets[tenant] = "100.25";
        await IngestAsync(
            Event(tenant, "10.5", "gpt-4o", "alice"),
            Event(tenant, "0.25", "gpt-4o-mini", "alice"),
            Event(tenant, "0.25", "gpt-4o-mini", "bob", statusCode: 500),
            Event(tenant, "3", "claude", "carol"),
            // Last month: not month to date.
            Event(tenant, "1000", "gpt-4o", "alice", MonthStart.AddSeconds(-1)));

        var summary = await fixture.Query.GetTenantSummaryAsync(new GetTenantSummaryRequest { TenantId = tenant, Top = 2 },
            AnalyticsFixture.AdminHeaders);

        Assert.Equal((tenant, MonthStart), (summary.TenantId, summary.MonthStart.ToDateTime()));
        Assert.Equal(("14", 4L, 1L), (summary.SpendUsd, summary.Requests, summary.Errors));
        Assert.Equal([("gpt-4o", 1L, "10.5"), ("claude", 1L, "3")], summary.TopModels.Select(e => (e.Name, e.Requests, e.CostUsd)));
        Assert.Equal([("alice", 2L, "10.75"), ("carol", 1L, "3")], summary.TopUsers.Select(e => (e.Name, e.Requests, e.CostUsd)));
        Assert.Equal(("100.25", "86.25", false), (summary.MonthlyBudgetUsd, summary.BudgetLeftUsd, summary.BudgetUnavailable));
        Assert.Contains("Bearer " + TestSecrets.InternalToken, fixture.Config.Authorizations);
    }

    [Fact]
    public async Task Without_a_budget_the_budget_fields_are_empty_and_overspending_shows_a_negative_remainder()
    {
        var tenant = AnalyticsFixture.NewTenantId("nobudget");
        var overspent = AnalyticsFixture.NewTenantId("overspent");
        fixture.Config.Budgets[overspent] = "1";
        await IngestAsync(Event(tenant, "2.5", "gpt-4o", "alice"), Event(overspent, "2.5", "gpt-4o", "alice"));

        var key = await fixture.CreateGatewayKeyAsync(tenant);
        var summary = await fixture.Query.GetTenantSummaryAsync(new GetTenantSummaryRequest(), TestSecrets.Bearer(key));
        var over = await fixture.Query.GetTenantSummaryAsync(new GetTenantSummaryRequest { TenantId = overspent }, AnalyticsFixture.AdminHeaders);

        Assert.Equal((tenant, "2.5", "", "", false),
            (summary.TenantId, summary.SpendUsd, summary.MonthlyBudgetUsd, summary.BudgetLeftUsd, summary.BudgetUnavailable));
        Assert.Single(summary.TopModels);
        Assert.Equal(("1", "-1.5"), (over.MonthlyBudgetUsd, over.BudgetLeftUsd));
    }

    [Fact]
    public async Task A_tenant_without_usage_this_month_has_a_zero_summary()
    {
        var summary = await fixture.Query.GetTenantSummaryAsync(
            new GetTenantSummaryRequest { TenantId = AnalyticsFixture.NewTenantId("quiet") }, AnalyticsFixture.AdminHeaders);

        Assert.Equal(("0", "0", 0L), (summary.SpendUsd, summary.SavedCostUsd, summary.Requests));
        Assert.Empty(summary.TopModels);
        Assert.Empty(summary.TopUsers);
    }

    private static UsageEvent Event(string tenant, string cost, string model, string user, DateTime? startedAt = null,
        int statusCode = 200)
    {
        // Early this month (the first minute), or an explicit time.
        var usage = UsageEvents.Create(tenant, cost, model: model, statusCode: statusCode, startedAt: startedAt ?? MonthStart.AddSeconds(30));
        usage.User = user;
        return usage;
    }

    private async Task IngestAsync(params UsageEvent[] events)
    {
        var response = await fixture.Ingest.IngestAsync(UsageEvents.Batch(events), AnalyticsFixture.InternalHeaders);
        Assert.Equal(events.Length, response.Accepted);
    }
}
