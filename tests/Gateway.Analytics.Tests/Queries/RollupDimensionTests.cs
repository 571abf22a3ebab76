using Gateway.Contracts.Analytics.V1;
using Gateway.Contracts.Usage.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Gateway.Analytics.Tests.Queries;

/// <summary>Group-bys, filters, time buckets and latency percentiles of GetCostRollup.</summary>
[Collection(AnalyticsCollection.Name)]
public sealed class RollupDimensionTests(AnalyticsFixture fixture)
{
    // Whole hours in the past, so the rollup table answers (plus the log for nothing).
    private static readonly DateTime Hour = new DateTime(DateTime.UtcNow.Ticks - DateTime.UtcNow.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc).AddHours(-3);

    [Fact]
    public async Task Groups_by_user_api_key_virtual_key_and_metadata()
    {
        var tenant = AnalyticsFixture.NewTenantId("dims");
        await IngestAsync(
            Event(tenant, "1", user: "alice", key: "k1", virtualKey: "vk1", team: "search"),
            Event(tenant, "2", user: "alice", key: "k2", virtualKey: "", team: "ads"),
            Event(tenant, "4", user: "bob", key: "k2", virtualKey: "vk1", team: null),
            Event(tenant, "8", user: "", key: "k1", virtualKey: "vk2", team: "search"));

        var byUser = await RollupAsync(tenant, r => r.GroupBy.Add(GroupBy.User));
        var byKey = await RollupAsync(tenant, r => r.GroupBy.Add(GroupBy.ApiKey));
        var byVirtualKey = await RollupAsync(tenant, r => r.GroupBy.Add(GroupBy.VirtualKey));
        var byTeam = await RollupAsync(tenant, r => { r.GroupBy.Add(GroupBy.Metadata); r.MetadataKey = "team"; });
        var byUserAndKey = await RollupAsync(tenant, r => r.GroupBy.Add([GroupBy.User, GroupBy.ApiKey]));

        Assert.Equal([("", "8"), ("bob", "4"), ("alice", "3")], byUser.Rows.Select(r => (r.User, r.CostUsd)));
        Assert.All(byUser.Rows, r => Assert.Equal(("", "", ""), (r.Provider, r.Model, r.ApiKeyId)));
        Assert.Equal([("k1", "9"), ("k2", "6")], byKey.Rows.Select(r => (r.ApiKeyId, r.CostUsd)));
        Assert.Equal([("vk2", "8"), ("vk1", "5"), ("", "2")], byVirtualKey.Rows.Select(r => (r.VirtualKeyId, r.CostUsd)));
        Assert.Equal([("search", "9"), ("", "4"), ("ads", "2")], byTeam.Rows.Select(r => (r.MetadataValue, r.CostUsd)));
        Assert.Equal([("", "k1", "8"), ("bob", "k2", "4"), ("alice", "k2", "2"), ("alice", "k1", "1")],
            byUserAndKey.Rows.Select(r => (r.User, r.ApiKeyId, r.CostUsd)));
        Assert.All([byUser, byKey, byVirtualKey, byTeam, byUserAndKey], r => Assert.Equal(("15", 4L), (r.Totals.CostUsd, r.Totals.Requests)));
    }

    [Fact]
    public async Task Filters_on_every_dimension_and_on_metadata()
    {
        var tenant = AnalyticsFixture.NewTenantId("filters");
        await IngestAsync(
            Event(tenant, "1", user: "alice", key: "k1", virtualKey: "vk1", team: "search", provider: "openai", model: "gpt-4o"),
            Event(tenant, "2", user: "alice", key: "k2", virtualKey: "", team: "ads", provider: "openai", model: "gpt-4o-mini"),
            Event(tenant, "4", user: "bob", key: "k2", virtualKey: "vk1", team: null, provider: "anthropic", model: "claude"),
            Event(tenant, "8", user: "", key: "k1", virtualKey: "vk2", team: "search", provider: "openai", model: "gpt-4o"));

        async Task<string> CostAsync(Action<UsageFilter> filter)
        {
            var usageFilter = new UsageFilter();
            filter(usageFilter);
            return (await RollupAsync(tenant, r => r.Filter = usageFilter)).Totals.CostUsd;
        }

        Assert.Equal("11", await CostAsync(f => f.Providers.Add("openai")));
        Assert.Equal("9", await CostAsync(f => f.Models.Add("gpt-4o")));
        Assert.Equal("6", await CostAsync(f => f.Models.Add(["gpt-4o-mini", "claude"])));
        Assert.Equal("3", await CostAsync(f => f.Users.Add("alice")));
        Assert.Equal("8", await CostAsync(f => f.Users.Add("")));
        Assert.Equal("6", await CostAsync(f => f.ApiKeyIds.Add("k2")));
        Assert.Equal("5", await CostAsync(f => f.VirtualKeyIds.Add("vk1")));
        Assert.Equal("9", await CostAsync(f => f.Metadata["team"] = "search"));
        Assert.Equal("1", await CostAsync(f => { f.Metadata["team"] = "search"; f.Users.Add("alice"); }));
        Assert.Equal("0", await CostAsync(f => f.Metadata["team"] = "nobody"));
        Assert.Equal("1", await CostAsync(f => { f.Providers.Add("openai"); f.ApiKeyIds.Add("k1"); f.Users.Add("alice"); }));
    }

    [Fact]
    public async Task Hour_day_and_month_buckets_are_utc_and_split_at_a_month_boundary()
    {
        var tenant = AnalyticsFixture.NewTenantId("buckets");
        var boundary = new DateTime(2026, 10, 1, 0, 0, 0, DateTimeKind.Utc);
        await IngestAsync(
            At(tenant, "1", boundary.AddMinutes(-30), "gpt-4o"),      // 2026-09-30 23:30
            At(tenant, "2", boundary.AddMinutes(-5), "gpt-4o-mini"),  // 2026-09-30 23:55
            At(tenant, "4", boundary, "gpt-4o"),                       // 2026-10-01 00:00 (inclusive)
            At(tenant, "8", boundary.AddMinutes(70), "gpt-4o"),        // 2026-10-01 01:10
            At(tenant, "16", boundary.AddDays(1).AddHours(3), "gpt-4o")); // 2026-10-02 03:00
        var range = (boundary.AddDays(-1), boundary.AddDays(2));

        var hourly = await RollupAsync(tenant, r => { r.Granularity = Granularity.Hour; r.GroupBy.Add(GroupBy.Model); }, range);
        var daily = await RollupAsync(tenant, r => { r.Granularity = Granularity.Day; r.GroupBy.Add(GroupBy.Provider); }, range);
        var monthly = await RollupAsync(tenant, r => { r.Granularity = Granularity.Month; r.GroupBy.Add(GroupBy.Model); }, range);

        Assert.Equal([
            (boundary.AddHours(-1), "gpt-4o-mini", "2"), (boundary.AddHours(-1), "gpt-4o", "1"), (boundary, "gpt-4o", "4"),
            (boundary.AddHours(1), "gpt-4o", "8"), (boundary.AddDays(1).AddHours(3), "gpt-4o", "16")],
            hourly.Series.Select(r => (r.BucketStart.ToDateTime(), r.Model, r.CostUsd)));
        Assert.Equal([(boundary.AddDays(-1), "3"), (boundary, "12"), (boundary.AddDays(1), "16")],
            daily.Series.Select(r => (r.BucketStart.ToDateTime(), r.CostUsd)));
        Assert.Equal([
            (new DateTime(2026, 9, 1, 0, 0, 0, DateTimeKind.Utc), "gpt-4o-mini", "2"),
            (new DateTime(2026, 9, 1, 0, 0, 0, DateTimeKind.Utc), "gpt-4o", "1"),
            (boundary, "gpt-4o", "28")],
            monthly.Series.Select(r => (r.BucketStart.ToDateTime(), r.Model, r.CostUsd)));
        Assert.Equal([("gpt-4o", "29"), ("gpt-4o-mini", "2")], monthly.Rows.Select(r => (r.Model, r.CostUsd)));
        Assert.All([hourly, daily, monthly], r => Assert.Equal("31", r.Totals.CostUsd));
        Assert.Equal(Granularity.Month, monthly.Granularity);
        Assert.Empty((await RollupAsync(tenant, _ => { }, range)).Series);
    }

    [Fact]
    public async Task Latency_percentiles_come_from_the_histogram_within_its_bucket_error()
    {
        var tenant = AnalyticsFixture.NewTenantId("latency");
        // 100 requests: 1 ms .. 100 ms in 1 ms steps; the true p50/p95/p99 are 50/95/99 ms.
        var events = Enumerable.Range(1, 100).Select(i =>
        {
            var usage = Event(tenant, "0.01", user: "alice", key: "k", virtualKey: "", team: null);
            usage.LatencyUs = i * 1000L;
            return usage;
        }).ToArray();
        await IngestAsync(events);
        var cutAcrossHours = (Hour.AddMinutes(-30), Hour.AddMinutes(30));

        var fromRollups = await RollupAsync(tenant, _ => { });
        var fromLogAndRollups = await RollupAsync(tenant, _ => { }, cutAcrossHours);
        var fromLog = await RollupAsync(tenant, r => r.Filter = new UsageFilter { Metadata = { ["env"] = "test" } });

        foreach (var totals in new[] { fromRollups.Totals, fromLogAndRollups.Totals, fromLog.Totals })
        {
            Assert.Equal(100, totals.Requests);
            Assert.Equal(5_050_000L, totals.LatencySumUs);
            Assert.InRange(totals.LatencyP50Us, 50_000 / 1.1, 50_000 * 1.1);
            Assert.InRange(totals.LatencyP95Us, 95_000 / 1.1, 95_000 * 1.1);
            Assert.InRange(totals.LatencyP99Us, 99_000 / 1.1, 99_000 * 1.1);
        }

        Assert.Equal(fromRollups.Totals, fromLog.Totals);
    }

    [Fact]
    public async Task Rows_and_series_points_of_equal_cost_are_ordered_by_the_grouped_names_in_dimension_order()
    {
        var tenant = AnalyticsFixture.NewTenantId("ties");
        // Ingested out of name order; carol, alice and bob cost the same.
        await IngestAsync(
            Event(tenant, "1", user: "carol", key: "k", virtualKey: "", team: null, model: "gpt-4o"),
            Event(tenant, "2", user: "dave", key: "k", virtualKey: "", team: null, model: "gpt-4o"),
            Event(tenant, "0.5", user: "alice", key: "k", virtualKey: "", team: null, model: "gpt-4o-mini"),
            Event(tenant, "0.5", user: "alice", key: "k", virtualKey: "", team: null, model: "gpt-4o"),
            Event(tenant, "1", user: "bob", key: "k", virtualKey: "", team: null, model: "gpt-4o"));

        var byUser = await RollupAsync(tenant, r => { r.Granularity = Granularity.Day; r.GroupBy.Add(GroupBy.User); });
        var byUserAndModel = await RollupAsync(tenant, r => r.GroupBy.Add([GroupBy.User, GroupBy.Model]));

        string[] expected = ["dave", "alice", "bob", "carol"];
        Assert.Equal(expected, byUser.Rows.Select(r => r.User));
        // A day series by user over one day has the rows' order within its bucket.
        Assert.Equal(expected, byUser.Series.Select(r => r.User));
        Assert.Single(byUser.Series.Select(r => r.BucketStart).Distinct());
        // Equal costs order by model before user: the columns' order, not the request's.
        Assert.Equal([("dave", "gpt-4o", "2"), ("bob", "gpt-4o", "1"), ("carol", "gpt-4o", "1"), ("alice", "gpt-4o", "0.5"),
            ("alice", "gpt-4o-mini", "0.5")], byUserAndModel.Rows.Select(r => (r.User, r.Model, r.CostUsd)));
        Assert.Equal(("5", 5L), (byUserAndModel.Totals.CostUsd, byUserAndModel.Totals.Requests));
    }

    [Fact]
    public async Task Group_by_metadata_without_a_key_or_an_unknown_granularity_is_invalid_argument()
    {
        var tenant = AnalyticsFixture.NewTenantId("badspec");

        var noKey = await Assert.ThrowsAsync<RpcException>(() => RollupAsync(tenant, r => r.GroupBy.Add(GroupBy.Metadata)));
        var badGranularity = await Assert.ThrowsAsync<RpcException>(() => RollupAsync(tenant, r => r.Granularity = (Granularity)9));

        Assert.Equal(StatusCode.InvalidArgument, noKey.StatusCode);
        Assert.Contains("metadata_key", noKey.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(StatusCode.InvalidArgument, badGranularity.StatusCode);
    }

    private static UsageEvent Event(string tenant, string cost, string user, string key, string virtualKey, string? team,
        string provider = "openai", string model = "gpt-4o")
    {
        var usage = UsageEvents.Create(tenant, cost, provider, model, startedAt: Hour.AddMinutes(10));
        usage.User = user;
        usage.ApiKeyId = key;
        usage.VirtualKeyId = virtualKey;
        usage.Metadata.Remove("team");
        if (team is not null)
        {
            usage.Metadata["team"] = team;
        }

        return usage;
    }

    private static UsageEvent At(string tenant, string cost, DateTime startedAt, string model) =>
        UsageEvents.Create(tenant, cost, "openai", model, startedAt: startedAt);

    private async Task IngestAsync(params UsageEvent[] events)
    {
        var response = await fixture.Ingest.IngestAsync(UsageEvents.Batch(events), AnalyticsFixture.InternalHeaders);
        Assert.Equal(events.Length, response.Accepted);
    }

    private async Task<GetCostRollupResponse> RollupAsync(string tenant, Action<GetCostRollupRequest> configure,
        (DateTime Start, DateTime End)? range = null)
    {
        var (start, end) = range ?? (Hour.AddHours(-1), Hour.AddHours(1));
        var request = new GetCostRollupRequest
        {
            TenantId = tenant,
            StartTime = Timestamp.FromDateTime(start),
            EndTime = Timestamp.FromDateTime(end),
        };
        configure(request);
        return await fixture.Query.GetCostRollupAsync(request, AnalyticsFixture.AdminHeaders);
    }
}
