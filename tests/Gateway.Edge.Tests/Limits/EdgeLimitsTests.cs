using System.Globalization;
using System.Net;
using System.Text.Json;
using Gateway.Testing;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Edge.Tests.Limits;

/// <summary>Budgets and rate limits through the whole Edge: the policy is put in the real Config service, the limits
/// live in the fixture's Redis, the mock provider answers.</summary>
[Collection(EdgeCollection.Name)]
public sealed class EdgeLimitsTests(EdgeFixture fixture)
{
    [Fact]
    public async Task Remaining_requests_count_down_and_the_request_over_the_limit_gets_429()
    {
        var (tenant, virtualKey) = await TenantAsync(new ConfigV1.TenantPolicyLimits { RequestsPerMinute = 3 });
        using var client = fixture.Edge.CreateHttpClient();

        var remaining = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            using var ok = await client.SendAsync(ChatRequests.Create(ChatRequests.Body("mock-1"), tenant, virtualKey));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
            Assert.Equal("3", Header(ok, "x-ratelimit-limit-requests"));
            Assert.Matches("^([0-9]+m)?[0-9]+s$", Header(ok, "x-ratelimit-reset-requests"));
            remaining.Add(Header(ok, "x-ratelimit-remaining-requests"));
        }

        var traceId = ChatRequests.NewTraceId();
        using var refused = await client.SendAsync(ChatRequests.Create(ChatRequests.Body("mock-1"), tenant, virtualKey, traceId));

        Assert.Equal(["2", "1", "0"], remaining);
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal("rate_limit_exceeded", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("rate_limit_error", error.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(429, (await fixture.Usage.SingleAsync(traceId)).StatusCode);
    }

    [Fact]
    public async Task A_429_carries_retry_after_and_the_quota_headers()
    {
        var (tenant, virtualKey) = await TenantAsync(new ConfigV1.TenantPolicyLimits { KeyRequestsPerMinute = 1 });
        using var client = fixture.Edge.CreateHttpClient();
        using var ok = await client.SendAsync(ChatRequests.Create(ChatRequests.Body("mock-1"), tenant, virtualKey));

        using var refused = await client.SendAsync(ChatRequests.Create(ChatRequests.Body("mock-1"), tenant, virtualKey));

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.InRange(int.Parse(Header(refused, "Retry-After"), CultureInfo.InvariantCulture), 1, 120);
        Assert.Equal(("1", "0"), (Header(refused, "x-ratelimit-limit-requests"), Header(refused, "x-ratelimit-remaining-requests")));
        Assert.Matches("^([0-9]+m)?[0-9]+s$", Header(refused, "x-ratelimit-reset-requests"));
    }

    [Fact]
    public async Task Tokens_per_minute_are_reported_and_fall_by_the_tokens_each_answer_used()
    {
        var (tenant, virtualKey) = await TenantAsync(new ConfigV1.TenantPolicyLimits { KeyTokensPerMinute = 100_000 });
        using var client = fixture.Edge.CreateHttpClient();

        using var first = await client.SendAsync(ChatRequests.Create(ChatRequests.Body("mock-1"), tenant, virtualKey));
        using var usage = JsonDocument.Parse(await first.Content.ReadAsStringAsync());
        var used = usage.RootElement.GetProperty("usage").GetProperty("total_tokens").GetInt64();
        // Settling happens after the response: poll until the next admission sees the tokens.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        string remaining;
        do
        {
            using var next = await client.SendAsync(ChatRequests.Create(ChatRequests.Body("mock-1"), tenant, virtualKey));
            Assert.Equal("100000", Header(next, "x-ratelimit-limit-tokens"));
            remaining = Header(next, "x-ratelimit-remaining-tokens");
        }
        while (remaining == "100000" && DateTime.UtcNow < deadline);

        Assert.Equal("100000", Header(first, "x-ratelimit-remaining-tokens"));
        Assert.True(long.Parse(remaining, CultureInfo.InvariantCulture) <= 100_000 - used);
    }

    [Fact]
    public async Task A_budget_smaller_than_the_estimate_gets_402_and_nothing_is_forwarded()
    {
        // The mock answer is cheap, but the estimate (default 1024 output tokens of mock-1) is about USD 0.0006.
        var (tenant, virtualKey) = await TenantAsync(new ConfigV1.TenantPolicyLimits { MonthlyBudgetUsd = "0.0001" });
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var refused = await client.SendAsync(ChatRequests.Create(ChatRequests.Body("mock-1"), tenant, virtualKey, traceId));

        Assert.Equal(HttpStatusCode.PaymentRequired, refused.StatusCode);
        using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal("budget_exceeded", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("monthly budget of USD 0.0001", error.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        var recorded = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((402, 0L), (recorded.StatusCode, recorded.OutputTokens));
    }

    [Fact]
    public async Task A_tenant_without_limits_gets_no_quota_headers()
    {
        var (tenant, virtualKey) = await TenantAsync(new ConfigV1.TenantPolicyLimits());
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body("mock-1"), tenant, virtualKey));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.False(response.Headers.Contains("x-ratelimit-limit-requests"));
    }

    [Fact]
    public async Task A_redis_outage_lets_limited_tenants_through_and_only_degrades_health()
    {
        await using var redis = await RedisServer.StartAsync();
        await using var edge = fixture.StartEdge(fixture.KeyVaultGrpcAddress, fixture.Usage,
            new() { ["ConnectionStrings:redis"] = redis.ConnectionString });
        var (tenant, virtualKey) = await TenantAsync(new ConfigV1.TenantPolicyLimits { RequestsPerMinute = 1, MonthlyBudgetUsd = "100" });
        using var client = edge.CreateHttpClient();
        using var limited = await client.SendAsync(ChatRequests.Create(ChatRequests.Body("mock-1"), tenant, virtualKey));
        Assert.Equal("0", Header(limited, "x-ratelimit-remaining-requests"));

        await redis.StopAsync();

        // Over the limit, but Redis cannot say so: admitted (fail open), without quota headers.
        using var admitted = await client.SendAsync(ChatRequests.Create(ChatRequests.Body("mock-1"), tenant, virtualKey));
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        Assert.False(admitted.Headers.Contains("x-ratelimit-remaining-requests"));

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        string health;
        do
        {
            using var response = await client.GetAsync("/health");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            health = await response.Content.ReadAsStringAsync();
        }
        while (health != "Degraded" && DateTime.UtcNow < deadline);

        Assert.Equal("Degraded", health);
    }

    private async Task<(TestTenant Tenant, string VirtualKey)> TenantAsync(ConfigV1.TenantPolicyLimits limits)
    {
        var tenant = await fixture.CreateTenantAsync();
        await fixture.ConfigAdmin.PutTenantPolicyAsync(new ConfigV1.PutTenantPolicyRequest { TenantId = tenant.Id, Limits = limits },
            TestSecrets.Bearer(TestSecrets.AdminToken));
        var virtualKey = await fixture.CreateVirtualKeyAsync(tenant, "mock", credential: "unused");
        return (tenant, virtualKey.Slug);
    }

    private static string Header(HttpResponseMessage response, string name) =>
        Assert.Single(response.Headers.GetValues(name));
}
