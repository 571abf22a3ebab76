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
