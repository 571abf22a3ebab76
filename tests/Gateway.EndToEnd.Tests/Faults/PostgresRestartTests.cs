using Gateway.Testing.Dapr;

namespace Gateway.EndToEnd.Tests.Faults;

/// <summary>The one PostgreSQL behind KeyVault, Config and Analytics stopped under load on both Edges and started
/// again. The Edges keep answering keys they have seen from their caches (past a one-second TTL: stale-on-error),
/// also in the seconds after the restart when the Watch streams resync,
/// Analytics refuses ingest meanwhile (UNAVAILABLE to the direct Edge, RETRY to the Dapr sidecar), and after the
/// restart every request's event lands exactly once.</summary>
public sealed class PostgresRestartTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    [Fact]
    public async Task Known_keys_keep_working_and_every_usage_event_lands_after_a_PostgreSQL_restart()
    {
        await using var system = await FaultSystem.StartAsync(new Dictionary<string, string?>
        {
            // Cached answers expire during the outage, so the Edge has to serve them stale.
            ["Edge:KeyCacheTtl"] = "00:00:01",
            ["Edge:TenantPolicyCacheTtl"] = "00:00:01",
            ["Edge:StaleRetryInterval"] = "00:00:01",
            ["Edge:DependencyTimeout"] = "00:00:02",
        });
        var directTenant = await system.CreateTenantAsync();
        var daprTenant = await system.CreateTenantAsync();
        using var directFailures = new HostCounter(system.DirectEdge.Services, "gateway.usage.send.failures");
        using var directStale = new HostCounter(system.DirectEdge.Services, "gateway.edge.cache.stale_served");

        await using var direct = SteadyLoad.Start(system.DirectEdge.HttpAddress, directTenant, Interval);
        await using var dapr = SteadyLoad.Start(system.DaprEdge.HttpAddress, daprTenant, Interval);
        // Steady state first: both transports deliver (the sidecar has read the subscription).
        await system.WaitForEventCountAsync(directTenant.Id, 5);
        await system.WaitForEventCountAsync(daprTenant.Id, 5);

        await system.Postgres.StopAsync();
        var sentBefore = (Direct: direct.Sent, Dapr: dapr.Sent);
        // Analytics cannot store: the direct Edge's ingest calls fail, the sidecar is told to retry.
        await directFailures.WaitForAsync(1, TimeSpan.FromSeconds(30), "a refused ingest call");
        await system.Sidecar.WaitUntilAsync(s => s.Attempts.Any(a => a.Outcome == DeliveryOutcome.Retry),
            TimeSpan.FromSeconds(30), "a RETRY answer from the subscription");
        await Task.Delay(FaultDurations.PostgresOutage); // the outage itself
        var sentDuring = (Direct: direct.Sent - sentBefore.Direct, Dapr: dapr.Sent - sentBefore.Dapr);
        var restarted = DateTime.UtcNow;
        await system.Postgres.RestartAsync();

        await direct.WaitForSentAsync(direct.Sent + 20);
        await dapr.WaitForSentAsync(dapr.Sent + 20);
        var directResults = await direct.StopAsync();
        var daprResults = await dapr.StopAsync();

        Assert.True(sentDuring.Direct >= 20 && sentDuring.Dapr >= 20, $"the load should span the outage ({sentDuring})");
        // Every request succeeds from the Edge's caches, while PostgreSQL is down and after it is back: the READY
        // with which KeyVault's and Config's Watch streams resync makes the cached answers due for a refresh but keeps
        // them, so a refetch that still fails (KeyVault reconnecting to a just-restarted database) is served stale.
        Assert.All(directResults.Concat(daprResults),
            r => Assert.True(r.Status == 200, $"{r.TraceId} at {r.StartedAt:O} (restart at {restarted:O}): {r.Status} {r.Error}"));
        output.WriteLine($"requests started after the restart: {directResults.Concat(daprResults).Count(r => r.StartedAt >= restarted)}");
        Assert.True(directStale.Total > 0, "the Edge served cached answers past their TTL while PostgreSQL was down");

        await system.AssertEveryEventOnceAsync(directTenant.Id, [.. directResults.Select(r => r.TraceId)], FaultDurations.Settle);
        await system.AssertEveryEventOnceAsync(daprTenant.Id, [.. daprResults.Select(r => r.TraceId)], FaultDurations.Settle);
        await system.Sidecar.WaitForIdleAsync(FaultDurations.Settle);
        Assert.Empty(system.Sidecar.DeadLettered);
    }
}
