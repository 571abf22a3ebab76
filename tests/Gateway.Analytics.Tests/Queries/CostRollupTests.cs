using Gateway.Contracts.Analytics.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Gateway.Analytics.Tests.Queries;

[Collection(AnalyticsCollection.Name)]
public sealed class CostRollupTests(AnalyticsFixture fixture)
{
    [Fact]
    public async Task Costs_are_summed_as_exact_decimals()
    {
        var tenant = AnalyticsFixture.NewTenantId("exact");
        var cheap = UsageEvents.Create(tenant, cost: "0.000123");
        var cached = UsageEvents.Create(tenant, cost: "0.1");
        cached.SavedCostUsd = "0.0000001";
        await IngestAsync(cheap, cached, UsageEvents.Create(tenant, cost: "2.5"));

        var rollup = await fixture.RollupAsync(tenant);

        Assert.Equal("2.600123", rollup.Totals.CostUsd);
        Assert.Equal("0.0000001", rollup.Totals.SavedCostUsd);
        var row = Assert.Single(rollup.Rows);
        Assert.Equal(("openai", "gpt-4o-mini", "2.600123"), (row.Provider, row.Model, row.CostUsd));
    }

    [Fact]
    public async Task Rows_group_by_provider_and_model_with_requests_errors_and_every_token_kind()
    {
        var tenant = AnalyticsFixture.NewTenantId("groups");
        await IngestAsync(
            UsageEvents.Create(tenant, "1.5", "openai", "gpt-4o"),
            UsageEvents.Create(tenant, "0.5", "openai", "gpt-4o", statusCode: 500),
            UsageEvents.Create(tenant, "0.25", "openai", "gpt-4o-mini", statusCode: 429),
            UsageEvents.Create(tenant, "3", "anthropic", "claude-sonnet-4-5"),
            UsageEvents.Create(AnalyticsFixture.NewTenantId("other"), "100", "openai", "gpt-4o"));

        var rollup = await fixture.RollupAsync(tenant);

        Assert.Equal(tenant, rollup.TenantId);
        Assert.Equal(
            [("anthropic", "claude-sonnet-4-5", 1L, 0L, "3"), ("openai", "gpt-4o", 2L, 1L, "2"), ("openai", "gpt-4o-mini", 1L, 1L, "0.25")],
            rollup.Rows.Select(r => (r.Provider, r.Model, r.Requests, r.Errors, r.CostUsd)));
        var gpt4o = rollup.Rows[1];
        Assert.Equal([200L, 40L, 10L, 100L, 20L],
            [gpt4o.InputTokens, gpt4o.CachedInputTokens, gpt4o.CacheWriteTokens, gpt4o.OutputTokens, gpt4o.ReasoningTokens]);
        Assert.Equal((4L, 2L, "5.25", 400L, 200L),
            (rollup.Totals.Requests, rollup.Totals.Errors, rollup.Totals.CostUsd, rollup.Totals.InputTokens, rollup.Totals.OutputTokens));
        Assert.Equal(("", ""), (rollup.Totals.Provider, rollup.Totals.Model));
    }

    [Fact]
    public async Task Group_by_provider_or_model_alone_is_honoured()
    {
        var tenant = AnalyticsFixture.NewTenantId("groupby");
        await IngestAsync(
            UsageEvents.Create(tenant, "1", "openai", "gpt-4o"),
            UsageEvents.Create(tenant, "2", "openai", "gpt-4o-mini"),
            UsageEvents.Create(tenant, "4", "azure-openai", "gpt-4o"));

        var byProvider = await fixture.RollupAsync(tenant, GroupBy.Provider);
        var byModel = await fixture.RollupAsync(tenant, GroupBy.Model);

        Assert.Equal([("azure-openai", "", "4"), ("openai", "", "3")], byProvider.Rows.Select(r => (r.Provider, r.Model, r.CostUsd)));
        Assert.Equal([("", "gpt-4o", "5"), ("", "gpt-4o-mini", "2")], byModel.Rows.Select(r => (r.Provider, r.Model, r.CostUsd)));
        Assert.Equal("7", byProvider.Totals.CostUsd);
        Assert.Equal("7", byModel.Totals.CostUsd);
    }

    [Fact]
    public async Task The_range_defaults_to_the_last_30_days_and_is_start_inclusive_end_exclusive()
    {
        var tenant = AnalyticsFixture.NewTenantId("range");
        var boundary = DateTime.UtcNow.Date.AddDays(-40);
        await IngestAsync(
            UsageEvents.Create(tenant, "1", startedAt: boundary),
            UsageEvents.Create(tenant, "10", startedAt: boundary.AddDays(1)),
            UsageEvents.Create(tenant, "100"));

        var byDefault = await fixture.RollupAsync(tenant);
        var explicitRange = await fixture.Query.GetCostRollupAsync(new GetCostRollupRequest
        {
            TenantId = tenant,
            StartTime = Timestamp.FromDateTime(boundary),
            EndTime = Timestamp.FromDateTime(boundary.AddDays(1)),
        }, AnalyticsFixture.AdminHeaders);

        Assert.Equal("100", byDefault.Totals.CostUsd);
        var window = byDefault.EndTime.ToDateTime() - byDefault.StartTime.ToDateTime();
        Assert.Equal(TimeSpan.FromDays(30), window);
        Assert.InRange(byDefault.EndTime.ToDateTime(), DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
        Assert.Equal("1", explicitRange.Totals.CostUsd);
        Assert.Equal(boundary, explicitRange.StartTime.ToDateTime());
    }

    [Fact]
    public async Task A_tenant_without_usage_gets_zero_totals_and_no_rows()
    {
        var rollup = await fixture.RollupAsync(AnalyticsFixture.NewTenantId("empty"));

        Assert.Empty(rollup.Rows);
        Assert.Equal((0L, "0", "0"), (rollup.Totals.Requests, rollup.Totals.CostUsd, rollup.Totals.SavedCostUsd));
    }

    [Fact]
    public async Task Start_not_before_end_is_invalid_argument()
    {
        var now = DateTime.UtcNow;
        var request = new GetCostRollupRequest
        {
            TenantId = AnalyticsFixture.NewTenantId("badrange"),
            StartTime = Timestamp.FromDateTime(now),
            EndTime = Timestamp.FromDateTime(now),
        };

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Query.GetCostRollupAsync(request, AnalyticsFixture.AdminHeaders).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("start_time", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_group_by_value_is_invalid_argument()
    {
        var request = new GetCostRollupRequest { TenantId = AnalyticsFixture.NewTenantId("badgroup"), GroupBy = { (GroupBy)42 } };

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Query.GetCostRollupAsync(request, AnalyticsFixture.AdminHeaders).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    private async Task IngestAsync(params Contracts.Usage.V1.UsageEvent[] events)
    {
        var response = await fixture.Ingest.IngestAsync(UsageEvents.Batch(events), AnalyticsFixture.InternalHeaders);
        Assert.Equal(events.Length, response.Accepted);
    }
}
