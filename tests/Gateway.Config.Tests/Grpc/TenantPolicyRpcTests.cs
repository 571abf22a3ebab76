using Gateway.Testing;
using Grpc.Core;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Config.Tests.Grpc;

[Collection(ConfigServiceCollection.Name)]
public sealed class TenantPolicyRpcTests(ConfigServiceFixture fixture)
{
    private static readonly Metadata Admin = TestSecrets.Bearer(TestSecrets.AdminToken);
    private static readonly Metadata Internal = TestSecrets.Bearer(TestSecrets.InternalToken);

    [Fact]
    public async Task A_tenant_without_a_policy_gets_the_default()
    {
        var policy = await fixture.Client.GetTenantPolicyAsync(new ConfigV1.GetTenantPolicyRequest { TenantId = NewTenant() }, Internal);

        Assert.Empty(policy.AllowedCustomHosts);
        Assert.False(policy.AllowPrivateHosts);
        Assert.NotNull(policy.Limits);
        Assert.Equal(new ConfigV1.TenantPolicyLimits(), policy.Limits);
    }

    [Fact]
    public async Task Every_limit_round_trips_normalised()
    {
        var tenant = NewTenant();
        var put = new ConfigV1.PutTenantPolicyRequest { TenantId = tenant, Limits = FullLimits() };
        put.Limits.AllowedProviders.Clear();
        put.Limits.AllowedProviders.AddRange(["OpenAI", " anthropic ", "openai", "azure-openai"]);
        put.Limits.MonthlyBudgetUsd = "1250.5000";

        var stored = await fixture.Client.PutTenantPolicyAsync(put, Admin);
        var read = await fixture.Client.GetTenantPolicyAsync(new ConfigV1.GetTenantPolicyRequest { TenantId = tenant }, Internal);

        var expected = FullLimits();
        expected.MonthlyBudgetUsd = "1250.5";
        Assert.Equal(expected, stored.Limits);
        Assert.Equal(expected, read.Limits);
    }

    [Fact]
    public async Task A_policy_without_limits_resets_them_and_zero_budget_means_none()
    {
        var tenant = NewTenant();
        await fixture.Client.PutTenantPolicyAsync(new ConfigV1.PutTenantPolicyRequest { TenantId = tenant, Limits = FullLimits() }, Admin);

        await fixture.Client.PutTenantPolicyAsync(new ConfigV1.PutTenantPolicyRequest { TenantId = tenant }, Admin);
        var cleared = await fixture.Client.GetTenantPolicyAsync(new ConfigV1.GetTenantPolicyRequest { TenantId = tenant }, Internal);
        await fixture.Client.PutTenantPolicyAsync(new ConfigV1.PutTenantPolicyRequest
        {
            TenantId = tenant,
            Limits = new ConfigV1.TenantPolicyLimits { MonthlyBudgetUsd = "0.000", RequestsPerMinute = 5 },
        }, Admin);
        var zeroBudget = await fixture.Client.GetTenantPolicyAsync(new ConfigV1.GetTenantPolicyRequest { TenantId = tenant }, Internal);

        Assert.Equal(new ConfigV1.TenantPolicyLimits(), cleared.Limits);
        Assert.Equal("", zeroBudget.Limits.MonthlyBudgetUsd);
        Assert.Equal(5, zeroBudget.Limits.RequestsPerMinute);
    }

    [Fact]
    public async Task Invalid_limits_and_hosts_are_all_reported_at_once()
    {
        var tenant = NewTenant();
        var put = new ConfigV1.PutTenantPolicyRequest
        {
            TenantId = tenant,
            Limits = new ConfigV1.TenantPolicyLimits
            {
                DefaultConfigId = "no spaces/allowed",
                CacheMaxAgeSeconds = (365L * 24 * 3600) + 1,
                MonthlyBudgetUsd = "-5",
                RequestsPerMinute = -1,
                TokensPerMinute = -2,
                KeyRequestsPerMinute = -3,
                KeyTokensPerMinute = -4,
            },
        };
        put.AllowedCustomHosts.Add("https://bad.example.com");
        put.Limits.AllowedProviders.AddRange(["openai", "", "open ai", "ok-provider"]);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.PutTenantPolicyAsync(put, Admin));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        foreach (var field in new[]
        {
            "allowed_custom_hosts[0]", "limits.allowed_providers[1]", "limits.allowed_providers[2]", "limits.default_config_id",
            "limits.cache_max_age_seconds", "limits.monthly_budget_usd", "limits.requests_per_minute", "limits.tokens_per_minute",
            "limits.key_requests_per_minute", "limits.key_tokens_per_minute",
        })
        {
            Assert.Contains(field, error.Status.Detail, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("limits.allowed_providers[0]", error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("limits.allowed_providers[3]", error.Status.Detail, StringComparison.Ordinal);
        var read = await fixture.Client.GetTenantPolicyAsync(new ConfigV1.GetTenantPolicyRequest { TenantId = tenant }, Admin);
        Assert.Equal(new ConfigV1.TenantPolicyLimits(), read.Limits);
    }

    [Theory]
    [InlineData("1e3")]
    [InlineData("12345678901")]
    [InlineData("0.00000000001")]
    [InlineData("ten")]
    public async Task A_budget_that_is_not_an_exact_decimal_is_refused(string budget)
    {
        var put = new ConfigV1.PutTenantPolicyRequest { TenantId = NewTenant(), Limits = new ConfigV1.TenantPolicyLimits { MonthlyBudgetUsd = budget } };

        var error = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.PutTenantPolicyAsync(put, Admin));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("limits.monthly_budget_usd", error.Status.Detail, StringComparison.Ordinal);
    }

    private static ConfigV1.TenantPolicyLimits FullLimits()
    {
        var limits = new ConfigV1.TenantPolicyLimits
        {
            DefaultConfigId = "prod-routing.v2",
            CacheEnabled = true,
            CacheMaxAgeSeconds = 365L * 24 * 3600,
            MonthlyBudgetUsd = "0.0000000001",
            RequestsPerMinute = 600,
            TokensPerMinute = 2_000_000,
            KeyRequestsPerMinute = 60,
            KeyTokensPerMinute = 200_000,
        };
        limits.AllowedProviders.AddRange(["openai", "anthropic", "azure-openai"]);
        return limits;
    }

    [Fact]
    public async Task Put_then_get_round_trips_normalised_hosts()
    {
        var tenant = NewTenant();
        var put = new ConfigV1.PutTenantPolicyRequest { TenantId = tenant, AllowPrivateHosts = true };
        put.AllowedCustomHosts.AddRange(["LLM.Example.com", "*.internal.example", "127.0.0.1", "llm.example.com", "::1"]);

        var stored = await fixture.Client.PutTenantPolicyAsync(put, Admin);
        var read = await fixture.Client.GetTenantPolicyAsync(new ConfigV1.GetTenantPolicyRequest { TenantId = tenant }, Internal);

        string[] expected = ["llm.example.com", "*.internal.example", "127.0.0.1", "::1"];
        Assert.Equal(expected, stored.AllowedCustomHosts);
        Assert.Equal(expected, read.AllowedCustomHosts);
        Assert.True(read.AllowPrivateHosts);
        Assert.Equal(tenant, read.TenantId);
    }

    [Fact]
    public async Task Put_replaces_the_whole_policy()
    {
        var tenant = NewTenant();
        var first = new ConfigV1.PutTenantPolicyRequest { TenantId = tenant, AllowPrivateHosts = true };
        first.AllowedCustomHosts.Add("a.example.com");
        await fixture.Client.PutTenantPolicyAsync(first, Admin);

        await fixture.Client.PutTenantPolicyAsync(new ConfigV1.PutTenantPolicyRequest { TenantId = tenant }, Admin);

        var read = await fixture.Client.GetTenantPolicyAsync(new ConfigV1.GetTenantPolicyRequest { TenantId = tenant }, Admin);
        Assert.Empty(read.AllowedCustomHosts);
        Assert.False(read.AllowPrivateHosts);
    }

    [Fact]
    public async Task Invalid_patterns_are_all_reported_at_once()
    {
        var put = new ConfigV1.PutTenantPolicyRequest { TenantId = NewTenant() };
        put.AllowedCustomHosts.AddRange(["https://llm.example.com/v1", "llm.example.com:8000", "a.*.example.com", "", "ok.example.com"]);

        var error = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.PutTenantPolicyAsync(put, Admin));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("allowed_custom_hosts[0]", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("allowed_custom_hosts[1]", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("allowed_custom_hosts[2]", error.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("allowed_custom_hosts[3]", error.Status.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain("allowed_custom_hosts[4]", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Put_requires_the_admin_token()
    {
        var put = new ConfigV1.PutTenantPolicyRequest { TenantId = NewTenant(), AllowPrivateHosts = true };

        var withInternal = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.PutTenantPolicyAsync(put, Internal));
        var withNone = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.PutTenantPolicyAsync(put));

        Assert.Equal(StatusCode.PermissionDenied, withInternal.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, withNone.StatusCode);
        var read = await fixture.Client.GetTenantPolicyAsync(new ConfigV1.GetTenantPolicyRequest { TenantId = put.TenantId }, Admin);
        Assert.False(read.AllowPrivateHosts);
    }

    [Fact]
    public async Task Get_requires_a_service_token()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.GetTenantPolicyAsync(new ConfigV1.GetTenantPolicyRequest { TenantId = NewTenant() }, TestSecrets.Bearer("wrong")));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task Empty_tenant_id_is_invalid()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.GetTenantPolicyAsync(new ConfigV1.GetTenantPolicyRequest { TenantId = " " }, Internal));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }

    private static string NewTenant() => "t-" + Guid.NewGuid().ToString("N")[..20];
}
