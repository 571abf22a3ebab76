using Gateway.Contracts.Analytics.V1;
using Gateway.Contracts.Usage.V1;
using Gateway.Testing;
using Grpc.Core;

namespace Gateway.Analytics.Tests.Live;

[Collection(AnalyticsCollection.Name)]
public sealed class WatchUsageTests(AnalyticsFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_watcher_receives_its_tenants_events_stored_after_subscribing_each_once()
    {
        var tenant = AnalyticsFixture.NewTenantId("watch");
        var key = await fixture.CreateGatewayKeyAsync(tenant);
        using var timeout = new CancellationTokenSource(Timeout);
        using var call = fixture.Query.WatchUsage(new WatchUsageRequest(), TestSecrets.Bearer(key), cancellationToken: timeout.Token);
        // Headers arrive once the subscription is live.
        await call.ResponseHeadersAsync;

        var first = UsageEvents.Create(tenant, "0.5");
        var neighbour = UsageEvents.Create(AnalyticsFixture.NewTenantId("watch-other"), "9");
        await fixture.Ingest.IngestAsync(UsageEvents.Batch(first, neighbour), AnalyticsFixture.InternalHeaders);
        // A redelivery stores nothing new, so nothing is sent for it; the next new event comes straight after.
        await fixture.Ingest.IngestAsync(UsageEvents.Batch(first), AnalyticsFixture.InternalHeaders);
        var second = UsageEvents.Create(tenant, "0.25");
        await fixture.Ingest.IngestAsync(UsageEvents.Batch(second), AnalyticsFixture.InternalHeaders);

        var received = new List<UsageEvent>();
        while (received.Count < 2 && await call.ResponseStream.MoveNext(timeout.Token))
        {
            received.Add(call.ResponseStream.Current);
        }

        Assert.Equal([(first.EventId, "0.5"), (second.EventId, "0.25")], received.Select(e => (e.EventId, e.CostUsd)));
    }

    [Fact]
    public async Task Watching_another_tenant_is_permission_denied_and_no_token_is_unauthenticated()
    {
        var key = await fixture.CreateGatewayKeyAsync(AnalyticsFixture.NewTenantId("watcher"));

        var other = await WatchFailsAsync(new WatchUsageRequest { TenantId = AnalyticsFixture.NewTenantId("victim") }, TestSecrets.Bearer(key));
        var anonymous = await WatchFailsAsync(new WatchUsageRequest { TenantId = "anyone" }, headers: null);

        Assert.Equal(StatusCode.PermissionDenied, other.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, anonymous.StatusCode);
    }

    private async Task<RpcException> WatchFailsAsync(WatchUsageRequest request, Metadata? headers)
    {
        using var timeout = new CancellationTokenSource(Timeout);
        using var call = fixture.Query.WatchUsage(request, headers, cancellationToken: timeout.Token);
        return await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(timeout.Token));
    }
}
