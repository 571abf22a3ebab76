using Gateway.Contracts.Analytics.V1;
using Gateway.Contracts.Usage.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Gateway.Analytics.Tests.Queries;

[Collection(AnalyticsCollection.Name)]
public sealed class ListRequestsTests(AnalyticsFixture fixture)
{
    private static readonly DateTime Base = DateTime.UtcNow.AddHours(-2);

    [Fact]
    public async Task Returns_every_stored_field_newest_first()
    {
        var tenant = AnalyticsFixture.NewTenantId("log");
        var older = UsageEvents.Create(tenant, "0.000123", startedAt: Base);
        older.Attempts.Insert(0, new Attempt { Provider = "openai", Model = "gpt-4o", Target = "fallback-0", StatusCode = 503, LatencyUs = 5, ErrorType = "timeout" });
        older.TokensEstimated = true;
        older.SavedCostUsd = "0.5";
        var newer = UsageEvents.Create(tenant, "2", startedAt: Base.AddSeconds(1));
        await IngestAsync(older, newer);

        var page = await fixture.Query.ListRequestsAsync(new ListRequestsRequest { TenantId = tenant }, AnalyticsFixture.AdminHeaders);

        Assert.Equal([newer.EventId, older.EventId], page.Requests.Select(r => r.EventId));
        Assert.Equal(Truncated(older), page.Requests[1]);
        Assert.Equal("", page.NextPageToken);
    }

    [Fact]
    public async Task Filters_by_user_metadata_model_provider_status_cache_trace_and_time()
    {
        var tenant = AnalyticsFixture.NewTenantId("logfilter");
        var plain = UsageEvents.Create(tenant, startedAt: Base);
        var bob = With(UsageEvents.Create(tenant, startedAt: Base.AddSeconds(1)), e => e.User = "bob");
        var ads = With(UsageEvents.Create(tenant, startedAt: Base.AddSeconds(2)), e => e.Metadata["team"] = "ads");
        var claude = UsageEvents.Create(tenant, provider: "anthropic", model: "claude-sonnet-4-5", startedAt: Base.AddSeconds(3));
        var failed = UsageEvents.Create(tenant, statusCode: 429, startedAt: Base.AddSeconds(4));
        var hit = With(UsageEvents.Create(tenant, startedAt: Base.AddSeconds(5)), e => e.CacheStatus = "HIT");
        await IngestAsync(plain, bob, ads, claude, failed, hit);

        async Task<string[]> IdsAsync(Action<ListRequestsRequest> filter)
        {
            var request = new ListRequestsRequest { TenantId = tenant };
            filter(request);
            var page = await fixture.Query.ListRequestsAsync(request, AnalyticsFixture.AdminHeaders);
            return [.. page.Requests.Select(r => r.EventId)];
        }

        Assert.Equal([bob.EventId], await IdsAsync(r => r.User = "bob"));
        Assert.Equal([ads.EventId], await IdsAsync(r => r.Metadata["team"] = "ads"));
        Assert.Equal(6, (await IdsAsync(r => r.Metadata["env"] = "test")).Length);
        Assert.Equal([claude.EventId], await IdsAsync(r => r.Model = "claude-sonnet-4-5"));
        Assert.Equal([claude.EventId], await IdsAsync(r => r.Provider = "anthropic"));
        Assert.Equal([failed.EventId], await IdsAsync(r => r.StatusCode = 429));
        Assert.Equal([failed.EventId], await IdsAsync(r => r.ErrorsOnly = true));
        Assert.Equal([hit.EventId], await IdsAsync(r => r.Cached = true));
        Assert.Equal(5, (await IdsAsync(r => r.Cached = false)).Length);
        Assert.Equal([ads.EventId], await IdsAsync(r => r.TraceId = ads.TraceId));
        Assert.Equal([ads.EventId, bob.EventId], await IdsAsync(r =>
        {
            r.StartTime = Timestamp.FromDateTime(Base.AddSeconds(1));
            r.EndTime = Timestamp.FromDateTime(Base.AddSeconds(3));
        }));
        Assert.Empty(await IdsAsync(r => { r.User = "bob"; r.Model = "claude-sonnet-4-5"; }));
    }

    [Fact]
    public async Task Paging_is_stable_while_newer_and_same_time_requests_arrive()
    {
        var tenant = AnalyticsFixture.NewTenantId("paging");
        // 25 requests, several sharing a start time, so the event id must break ties.
        var initial = Enumerable.Range(0, 25).Select(i => UsageEvents.Create(tenant, startedAt: Base.AddSeconds(i / 3))).ToArray();
        await IngestAsync(initial);

        var seen = new List<string>();
        var token = "";
        var pages = 0;
        do
        {
            var page = await fixture.Query.ListRequestsAsync(
                new ListRequestsRequest { TenantId = tenant, PageSize = 4, PageToken = token }, AnalyticsFixture.AdminHeaders);
            seen.AddRange(page.Requests.Select(r => r.EventId));
            token = page.NextPageToken;
            pages++;
            // Between pages: newer requests keep arriving.
            await IngestAsync(UsageEvents.Create(tenant, startedAt: Base.AddMinutes(pages)));
        }
        while (token.Length > 0);

        Assert.Equal(7, pages);
        Assert.Equal(initial.Length, seen.Distinct().Count());
        Assert.Equal(
            initial.OrderByDescending(e => e.StartedAt.ToDateTime()).ThenByDescending(e => e.EventId, StringComparer.Ordinal).Select(e => e.EventId),
            seen);
    }

    [Fact]
    public async Task A_malformed_page_token_or_negative_page_size_is_invalid_argument()
    {
        var tenant = AnalyticsFixture.NewTenantId("badtoken");

        var badToken = await Assert.ThrowsAsync<RpcException>(() => fixture.Query.ListRequestsAsync(
            new ListRequestsRequest { TenantId = tenant, PageToken = "not-a-token" }, AnalyticsFixture.AdminHeaders).ResponseAsync);
        var badSize = await Assert.ThrowsAsync<RpcException>(() => fixture.Query.ListRequestsAsync(
            new ListRequestsRequest { TenantId = tenant, PageSize = -1 }, AnalyticsFixture.AdminHeaders).ResponseAsync);

        Assert.Equal((StatusCode.InvalidArgument, StatusCode.InvalidArgument), (badToken.StatusCode, badSize.StatusCode));
        Assert.Contains("page_token", badToken.Status.Detail, StringComparison.Ordinal);
    }

    /// <summary>The event as stored: PostgreSQL keeps microseconds.</summary>
    private static UsageEvent Truncated(UsageEvent usage)
    {
        var copy = usage.Clone();
        copy.StartedAt = new Timestamp { Seconds = usage.StartedAt.Seconds, Nanos = usage.StartedAt.Nanos / 1000 * 1000 };
        return copy;
    }

    private static UsageEvent With(UsageEvent usage, Action<UsageEvent> change)
    {
        change(usage);
        return usage;
    }

    private async Task IngestAsync(params UsageEvent[] events)
    {
        var response = await fixture.Ingest.IngestAsync(UsageEvents.Batch(events), AnalyticsFixture.InternalHeaders);
        Assert.Equal(events.Length, response.Accepted);
    }
}
