using Gateway.Testing.Dapr;

namespace Gateway.EndToEnd.Tests.Faults;

/// <summary>Analytics down for <see cref="FaultDurations.AnalyticsOutage"/> while both Edges serve steady traffic:
/// the direct Edge's publisher keeps retrying its ingest RPC (the port refuses connections), and on the Dapr path
/// the Edge's publishes still succeed (its sidecar is up, as in a pod whose Analytics replica is gone) while the
/// sidecar's deliveries to Analytics fail and are retried. Once a new Analytics host runs on the same ports and
/// database, every request's event is in the request log and the rollup exactly once.</summary>
public sealed class AnalyticsOutageTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task No_usage_event_is_lost_on_either_transport_while_Analytics_is_down_under_load()
    {
        await using var system = await FaultSystem.StartAsync();
        var directTenant = await system.CreateTenantAsync();
        var daprTenant = await system.CreateTenantAsync();
        using var directFailures = new HostCounter(system.DirectEdge.Services, "gateway.usage.send.failures");

        await using var direct = SteadyLoad.Start(system.DirectEdge.HttpAddress, directTenant, Interval);
        await using var dapr = SteadyLoad.Start(system.DaprEdge.HttpAddress, daprTenant, Interval);
        // Steady state first: both transports deliver (the sidecar has read the subscription).
        await system.WaitForEventCountAsync(directTenant.Id, 5);
        await system.WaitForEventCountAsync(daprTenant.Id, 5);

        await system.StopAnalyticsAsync();
        var down = DateTime.UtcNow;
        var sentBeforeOutage = (Direct: direct.Sent, Dapr: dapr.Sent);
        // Both transports notice: the ingest RPC fails, deliveries to the subscription fail.
        await directFailures.WaitForAsync(1, TimeSpan.FromSeconds(30), "a failed ingest call");
        await system.Sidecar.WaitUntilAsync(s => s.Attempts.Any(a => a.Outcome == DeliveryOutcome.Error),
            TimeSpan.FromSeconds(30), "a failed delivery");
        var remaining = FaultDurations.AnalyticsOutage - (DateTime.UtcNow - down);
        if (remaining > TimeSpan.Zero)
        {
            await Task.Delay(remaining); // the outage itself, not a wait for a condition
        }

        var sentDuringOutage = (Direct: direct.Sent - sentBeforeOutage.Direct, Dapr: dapr.Sent - sentBeforeOutage.Dapr);
        system.RestartAnalytics();
        await direct.WaitForSentAsync(direct.Sent + 10);
        await dapr.WaitForSentAsync(dapr.Sent + 10);
        var directResults = await direct.StopAsync();
        var daprResults = await dapr.StopAsync();

        // Serving never depended on Analytics.
        Assert.All(directResults, r => Assert.True(r.Status == 200, $"{r.TraceId}: {r.Status} {r.Error}"));
        Assert.All(daprResults, r => Assert.True(r.Status == 200, $"{r.TraceId}: {r.Status} {r.Error}"));
        Assert.True(sentDuringOutage.Direct >= 20 && sentDuringOutage.Dapr >= 20,
            $"the load should span the outage: {sentDuringOutage} requests sent while Analytics was down");

        await system.AssertEveryEventOnceAsync(directTenant.Id, [.. directResults.Select(r => r.TraceId)], FaultDurations.Settle);
        await system.AssertEveryEventOnceAsync(daprTenant.Id, [.. daprResults.Select(r => r.TraceId)], FaultDurations.Settle);
        Assert.True(directFailures.Total >= 2, $"the direct publisher retried ({directFailures.Total} failed calls)");
        await system.Sidecar.WaitForIdleAsync(FaultDurations.Settle);
        Assert.Empty(system.Sidecar.DeadLettered);
        Assert.All(system.Sidecar.Delivered, d => Assert.Equal(DeliveryOutcome.Success, d.Outcome));
        // Some deliveries were only accepted after Analytics came back, after failing while it was down.
        Assert.Contains(system.Sidecar.Delivered, d => d.Attempts > 1);
    }
}
