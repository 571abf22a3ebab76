using System.Net;
using System.Text;
using Gateway.Cli;
using Gateway.EndToEnd.Tests.Infrastructure;
using Gateway.Testing;

namespace Gateway.EndToEnd.Tests;

/// <summary>A per-key rate limit set with gatewayctl, enforced by the Edge in Redis, and the refused request counted
/// as an error in the tenant's Analytics rollup.</summary>
[Collection(GatewaySystemCollection.Name)]
public sealed class RateLimitPathTests(GatewaySystemFixture system)
{
    [Fact]
    public async Task The_third_request_under_a_two_per_minute_key_limit_gets_429_and_is_counted_as_an_error()
    {
        var tenant = await system.CreateTenantAsync();
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await GatewayCli.RunAsync(["policies", "set", "--tenant", tenant.Id, "--key-rpm", "2", "--admin-token", TestSecrets.AdminToken,
            "--config", system.ConfigGrpc.ToString(), "--analytics", system.AnalyticsGrpc.ToString(), "--env-file", "/dev/null"], output, error);
        Assert.True(exit == 0, error.ToString());
        using var http = new HttpClient { BaseAddress = system.DirectEdge };

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, tenant)).Status);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(http, tenant)).Status);
        var (status, retryAfter, body) = await SendAsync(http, tenant);

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.NotNull(retryAfter);
        Assert.InRange(retryAfter.Value.TotalSeconds, 1, 120); // sliding window: up to two minutes
        Assert.Contains("\"error\"", body, StringComparison.Ordinal);
        var rollup = await system.WaitForRollupAsync(tenant.Id, r => r.Rows.Sum(row => row.Requests) == 3);
        Assert.Equal(1, rollup.Rows.Sum(row => row.Errors));
    }

    private static async Task<(HttpStatusCode Status, TimeSpan? RetryAfter, string Body)> SendAsync(HttpClient http, TestTenant tenant)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"mock-1","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-gateway-api-key", tenant.ApiKey);
        request.Headers.Add("x-gateway-virtual-key", "mock");
        using var response = await http.SendAsync(request);
        return (response.StatusCode, response.Headers.RetryAfter?.Delta, await response.Content.ReadAsStringAsync());
    }
}
