using Gateway.Testing;
using Grpc.Core;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Config.Tests.Grpc;

[Collection(ConfigServiceCollection.Name)]
public sealed class PriceOverrideRpcTests(ConfigServiceFixture fixture)
{
    private static readonly Metadata Admin = TestSecrets.Bearer(TestSecrets.AdminToken);
    private static readonly Metadata Internal = TestSecrets.Bearer(TestSecrets.InternalToken);

    [Fact]
    public async Task A_tenant_sees_its_negotiated_prices_and_no_one_else_does()
    {
        var tenant = NewTenant();
        await Set(tenant, PriceVersionRpcTests.Price("openai", "gpt-4o", "2", "1", "2", "8"));
        await Set(tenant, PriceVersionRpcTests.Price("openai", "private-ft", "5", "0", "0", "15"));

        var mine = await fixture.Client.GetPricesAsync(new ConfigV1.GetPricesRequest { TenantId = tenant }, Internal);
        var other = await fixture.Client.GetPricesAsync(new ConfigV1.GetPricesRequest { TenantId = NewTenant() }, Internal);
        var list = await fixture.Client.GetPricesAsync(new ConfigV1.GetPricesRequest(), Internal);

        var gpt4o = mine.Prices.Single(p => p.Model == "gpt-4o");
        Assert.Equal(("2", "8", true), (gpt4o.InputPerMtok, gpt4o.OutputPerMtok, gpt4o.TenantOverride));
        Assert.True(mine.Prices.Single(p => p.Model == "private-ft").TenantOverride);
        Assert.Equal(tenant, mine.TenantId);
        Assert.Equal(list.Prices.Count + 1, mine.Prices.Count);
        Assert.Single(mine.Prices, p => p.Provider == "openai" && p.Model == "gpt-4o");
        Assert.Equal("2.5", other.Prices.Single(p => p.Model == "gpt-4o").InputPerMtok);
        Assert.DoesNotContain(other.Prices, p => p.TenantOverride);
        Assert.DoesNotContain(list.Prices, p => p.Model == "private-ft");
    }

    [Fact]
    public async Task Setting_again_replaces_and_deleting_restores_the_list_price()
    {
        var tenant = NewTenant();
        await Set(tenant, PriceVersionRpcTests.Price("anthropic", "claude-sonnet-4-5", "2", "0.2", "2.5", "10"));
        await Set(tenant, PriceVersionRpcTests.Price("anthropic", "claude-sonnet-4-5", "2.7", "0.27", "3.375", "13.5"));

        var replaced = await fixture.Client.GetPricesAsync(new ConfigV1.GetPricesRequest { TenantId = tenant }, Internal);
        await fixture.Client.DeletePriceOverrideAsync(new ConfigV1.DeletePriceOverrideRequest { TenantId = tenant, Provider = "anthropic", Model = "claude-sonnet-4-5" }, Admin);
        var restored = await fixture.Client.GetPricesAsync(new ConfigV1.GetPricesRequest { TenantId = tenant }, Internal);
        var again = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.DeletePriceOverrideAsync(new ConfigV1.DeletePriceOverrideRequest { TenantId = tenant, Provider = "anthropic", Model = "claude-sonnet-4-5" }, Admin));

        Assert.Equal("13.5", replaced.Prices.Single(p => p.Model == "claude-sonnet-4-5").OutputPerMtok);
        var listPrice = restored.Prices.Single(p => p.Model == "claude-sonnet-4-5");
        Assert.Equal(("15", false), (listPrice.OutputPerMtok, listPrice.TenantOverride));
        Assert.Equal(StatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task Overrides_need_the_admin_token_and_valid_prices()
    {
        var request = new ConfigV1.SetPriceOverrideRequest { TenantId = NewTenant(), Price = PriceVersionRpcTests.Price("openai", "gpt-4o", "1", "1", "1", "1") };
        var denied = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.SetPriceOverrideAsync(request, Internal));
        request.Price = PriceVersionRpcTests.Price("", "gpt-4o", "x", "1", "1", "-2");
        var invalid = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.SetPriceOverrideAsync(request, Admin));

        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.Contains("price.provider", invalid.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("price.input_per_mtok", invalid.Status.Detail, StringComparison.Ordinal);
        Assert.Contains("price.output_per_mtok", invalid.Status.Detail, StringComparison.Ordinal);
    }

    private async Task Set(string tenant, ConfigV1.ModelPrice price) =>
        await fixture.Client.SetPriceOverrideAsync(new ConfigV1.SetPriceOverrideRequest { TenantId = tenant, Price = price }, Admin);

    private static string NewTenant() => "t-" + Guid.NewGuid().ToString("N")[..20];
}
