using System.Net;
using System.Text;
using Gateway.EndToEnd.Tests.Infrastructure;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.EndToEnd.Tests.Faults;

/// <summary>Redis (response cache behind the Cache service, rate limits in the Edge) killed under cached, rate-limited
/// traffic and started again empty: requests keep succeeding as cache misses with their limits not enforced (fail
/// open), and once Redis is back answers are cached and served from it again.</summary>
public sealed class RedisRestartTests
{
    private static readonly Dictionary<string, string> Cached = new() { ["x-gateway-cache"] = "true" };

    [Fact]
    public async Task Cache_and_limits_fail_open_while_Redis_restarts_and_caching_resumes_after()
    {
        // No in-process hot tier: a HIT must come from the Cache service, i.e. from Redis.
        await using var system = await FaultSystem.StartAsync(new Dictionary<string, string?> { ["Edge:Cache:HotTtl"] = "00:00:00" });
        var tenant = await system.CreateTenantAsync();
        var probe = await system.CreateTenantAsync(); // the test's own requests, apart from the load's accounting
        // A limit far above this traffic: admission has to ask Redis on every request.
        await system.PutPolicyAsync(tenant.Id, new ConfigV1.TenantPolicyLimits { KeyRequestsPerMinute = 100_000 });
        await system.PutPolicyAsync(probe.Id, new ConfigV1.TenantPolicyLimits { KeyRequestsPerMinute = 100_000 });
        using var http = new HttpClient { BaseAddress = system.DirectEdge.HttpAddress, Timeout = TimeSpan.FromSeconds(60) };
        using var failOpen = new HostCounter(system.DirectEdge.Services, "gateway.limits.fail_open");

        // Caching works before the outage (the policy may take a moment to reach the Edge: poll).
        Assert.Equal((HttpStatusCode.OK, "MISS"), await SendAsync(http, probe, "before"));
        await PollAsync(async () => (await SendAsync(http, probe, "before")).Cache == "HIT", "a HIT before the outage");

        await using var load = SteadyLoad.Start(system.DirectEdge.HttpAddress, tenant, TimeSpan.FromMilliseconds(100), headers: Cached);
        await system.WaitForEventCountAsync(tenant.Id, 5);
        await system.Redis.StopAsync();
        var sentBefore = load.Sent;
        // The known-cached prompt is a miss now, answered by the provider.
        Assert.Equal((HttpStatusCode.OK, "MISS"), await SendAsync(http, probe, "before"));
        await failOpen.WaitForAsync(1, TimeSpan.FromSeconds(30), "a limits check that failed open");
        await Task.Delay(FaultDurations.RedisOutage); // the outage itself
        var sentDuring = load.Sent - sentBefore;
        await system.Redis.RestartAsync();

        // Back: Redis is empty, so the first answer is a miss that is stored, and a repeat is a HIT.
        await PollAsync(async () =>
        {
            var prompt = "after-" + Guid.NewGuid().ToString("N");
            return (await SendAsync(http, probe, prompt)).Status == HttpStatusCode.OK
                && (await SendAsync(http, probe, prompt)).Cache == "HIT";
        }, "a HIT after Redis came back");
        var results = await load.StopAsync();

        Assert.True(sentDuring >= 10, $"the load should span the outage ({sentDuring} requests sent while Redis was down)");
        Assert.All(results, r => Assert.True(r.Status == 200, $"{r.TraceId}: {r.Status} {r.Error}"));
        Assert.All(results, r => Assert.Contains(r.CacheStatus, new[] { "MISS", "HIT" }));
        Assert.True(failOpen.Total >= 1);
        // Every request, served with or without Redis, is accounted for.
        await system.AssertEveryEventOnceAsync(tenant.Id, [.. results.Select(r => r.TraceId)], FaultDurations.Settle);
    }

    private static async Task<(HttpStatusCode Status, string? Cache)> SendAsync(HttpClient http, TestTenant tenant, string prompt)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent($$"""{"model":"mock-1","messages":[{"role":"user","content":"{{prompt}}"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-gateway-api-key", tenant.ApiKey);
        request.Headers.Add("x-gateway-virtual-key", "mock");
        request.Headers.Add("x-gateway-cache", "true");
        using var response = await http.SendAsync(request);
        return (response.StatusCode, response.Headers.TryGetValues("x-gateway-cache", out var values) ? values.FirstOrDefault() : null);
    }

    private static async Task PollAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited too long for {what}.");
            }

            await Task.Delay(100);
        }
    }
}
