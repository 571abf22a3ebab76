using Gateway.Testing;
using Grpc.Core;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Config.Tests.Grpc;

[Collection(ConfigServiceCollection.Name)]
public sealed class WatchRpcTests(ConfigServiceFixture fixture)
{
    private static readonly Metadata Admin = TestSecrets.Bearer(TestSecrets.AdminToken);
    private static readonly Metadata Internal = TestSecrets.Bearer(TestSecrets.InternalToken);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_subscriber_hears_a_config_change_within_a_second()
    {
        using var watch = await OpenLiveStream();
        var tenant = NewTenant();

        await fixture.Client.PutConfigAsync(new ConfigV1.PutConfigRequest { TenantId = tenant, ConfigId = "watched", Json = """{"virtual_key":"a"}""" }, Admin);
        var change = await NextFor(watch, tenant);

        Assert.Equal(ConfigV1.ChangeKind.Config, change.Kind);
        Assert.Equal("watched", change.Id);
        Assert.Equal("1", change.Version);
    }

    [Fact]
    public async Task A_subscriber_hears_a_policy_and_a_price_override_change_within_a_second()
    {
        using var watch = await OpenLiveStream();
        var tenant = NewTenant();

        await fixture.Client.PutTenantPolicyAsync(new ConfigV1.PutTenantPolicyRequest { TenantId = tenant, AllowPrivateHosts = true }, Admin);
        var policy = await NextFor(watch, tenant);
        await fixture.Client.SetPriceOverrideAsync(new ConfigV1.SetPriceOverrideRequest
        {
            TenantId = tenant,
            Price = PriceVersionRpcTests.Price("openai", "gpt-4o", "1", "1", "1", "1"),
        }, Admin);
        var price = await NextFor(watch, tenant);

        Assert.Equal(ConfigV1.ChangeKind.Policy, policy.Kind);
        Assert.Equal(ConfigV1.ChangeKind.Prices, price.Kind);
        Assert.Equal("openai/gpt-4o", price.Id);
    }

    [Fact]
    public async Task An_invalid_put_sends_no_change()
    {
        using var watch = await OpenLiveStream();
        var tenant = NewTenant();

        await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.PutConfigAsync(new ConfigV1.PutConfigRequest { TenantId = tenant, ConfigId = "bad", Json = "{}x" }, Admin));
        // A valid put afterwards for the same tenant is the first event this tenant gets, so the invalid one sent none.
        await fixture.Client.PutConfigAsync(new ConfigV1.PutConfigRequest { TenantId = tenant, ConfigId = "good", Json = "{}" }, Admin);

        Assert.Equal("good", (await NextFor(watch, tenant)).Id);
    }

    [Fact]
    public async Task Watch_requires_a_service_token()
    {
        using var watch = fixture.Client.Watch(new ConfigV1.WatchRequest(), TestSecrets.Bearer("wrong"));

        var error = await Assert.ThrowsAsync<RpcException>(async () => await watch.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    private async Task<AsyncServerStreamingCall<ConfigV1.ChangeEvent>> OpenLiveStream()
    {
        var watch = fixture.Client.Watch(new ConfigV1.WatchRequest(), Internal);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        Assert.True(await watch.ResponseStream.MoveNext(timeout.Token));
        Assert.Equal(ConfigV1.ChangeKind.Ready, watch.ResponseStream.Current.Kind);
        return watch;
    }

    // Other tests in the collection change things too; skip their events, but only for up to a second in all.
    private static async Task<ConfigV1.ChangeEvent> NextFor(AsyncServerStreamingCall<ConfigV1.ChangeEvent> watch, string tenant)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        while (await watch.ResponseStream.MoveNext(deadline.Token))
        {
            if (watch.ResponseStream.Current.TenantId == tenant)
            {
                return watch.ResponseStream.Current;
            }
        }

        throw new InvalidOperationException("The stream ended.");
    }

    private static string NewTenant() => "t-" + Guid.NewGuid().ToString("N")[..20];
}
