using Gateway.Testing;
using Grpc.Core;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Config.Tests.Grpc;

[Collection(ConfigServiceCollection.Name)]
public sealed class ConfigGrpcServiceTests(ConfigServiceFixture fixture)
{
    private const string SeededVersion = "2025-10-list";

    [Fact]
    public async Task GetPrices_ReturnsTheSeededListPricesAsExactDecimalStrings()
    {
        var table = await fixture.Client.GetPricesAsync(new ConfigV1.GetPricesRequest(), TestSecrets.Bearer(TestSecrets.InternalToken));

        Assert.Equal(SeededVersion, table.Version);
        AssertPrice(table, "openai", "gpt-4o-mini", "0.15", "0.075", "0.15", "0.6");
        AssertPrice(table, "openai", "gpt-4o", "2.5", "1.25", "2.5", "10");
        AssertPrice(table, "openai", "gpt-5-nano", "0.05", "0.005", "0.05", "0.4");
        AssertPrice(table, "openai", "text-embedding-3-small", "0.02", "0", "0", "0");
        AssertPrice(table, "anthropic", "claude-opus-4-1", "15", "1.5", "18.75", "75");
        AssertPrice(table, "anthropic", "claude-sonnet-4-5", "3", "0.3", "3.75", "15");
        AssertPrice(table, "google", "gemini-2.5-flash", "0.3", "0.075", "0.3", "2.5");
        AssertPrice(table, "mock", "mock-1", "0.15", "0.075", "0.15", "0.6");
    }

    [Fact]
    public async Task GetPrices_ListsEveryProvidersModelsOnce()
    {
        var table = await fixture.Client.GetPricesAsync(new ConfigV1.GetPricesRequest(), TestSecrets.Bearer(TestSecrets.InternalToken));

        var byProvider = table.Prices.GroupBy(p => p.Provider).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(12, byProvider["openai"]);
        Assert.Equal(5, byProvider["anthropic"]);
        Assert.Equal(2, byProvider["google"]);
        Assert.Equal(1, byProvider["mock"]);
        Assert.Equal(table.Prices.Count, table.Prices.Select(p => (p.Provider, p.Model)).Distinct().Count());
    }

    [Fact]
    public async Task GetPrices_AcceptsTheAdminToken()
    {
        var table = await fixture.Client.GetPricesAsync(new ConfigV1.GetPricesRequest(), TestSecrets.Bearer(TestSecrets.AdminToken));

        Assert.Equal(SeededVersion, table.Version);
        Assert.NotEmpty(table.Prices);
    }

    [Fact]
    public async Task GetPrices_WithoutToken_IsPermissionDenied()
    {
        var error = await Assert.ThrowsAsync<RpcException>(
            async () => await fixture.Client.GetPricesAsync(new ConfigV1.GetPricesRequest()));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Fact]
    public async Task GetPrices_WithWrongToken_IsPermissionDenied()
    {
        var error = await Assert.ThrowsAsync<RpcException>(
            async () => await fixture.Client.GetPricesAsync(new ConfigV1.GetPricesRequest(), TestSecrets.Bearer("not-the-internal-token")));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    private static void AssertPrice(
        ConfigV1.PriceTable table, string provider, string model, string input, string cachedInput, string cacheWrite, string output)
    {
        var price = Assert.Single(table.Prices, p => p.Provider == provider && p.Model == model);
        Assert.Equal(input, price.InputPerMtok);
        Assert.Equal(cachedInput, price.CachedInputPerMtok);
        Assert.Equal(cacheWrite, price.CacheWritePerMtok);
        Assert.Equal(output, price.OutputPerMtok);
    }
}
