using System.Diagnostics;
using System.Net;
using Gateway.Contracts;
using Gateway.Contracts.Usage.V1;
using Gateway.Edge.Tests.Changes;
using Gateway.Testing;
using Gateway.Testing.Providers;
using Grpc.Core;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Edge.Tests.Pricing;

/// <summary>Negotiated prices at the Edge: a tenant with an override in Config is billed at it, any other tenant at
/// list price, and a changed override prices the next request within a second.</summary>
[Collection(EdgeCollection.Name)]
public sealed class TenantPricingTests(EdgeFixture fixture) : IAsyncLifetime
{
    private const string Model = "gpt-4o-mini";
    private static readonly Metadata Admin = TestSecrets.Bearer(TestSecrets.AdminToken);

    private FakeOpenAiServer _provider = null!;

    public async Task InitializeAsync()
    {
        _provider = await FakeOpenAiServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task A_tenant_with_an_override_pays_its_negotiated_price_and_others_the_list_price()
    {
        var usage = new CapturingUsageRecorder();
        await using var edgeHost = fixture.StartEdge(fixture.KeyVaultGrpcAddress, usage);
        var negotiated = await TenantAsync();
        var listed = await TenantAsync();
        var price = Price("0.5", "0.25", "0", "1.5");
        await SetOverrideAsync(negotiated.Tenant, price);
        using var client = edgeHost.CreateHttpClient();

        var negotiatedEvent = await SendAsync(client, usage, negotiated.Tenant, negotiated.Slug);
        var listedEvent = await SendAsync(client, usage, listed.Tenant, listed.Slug);

        Assert.True(negotiatedEvent.InputTokens + negotiatedEvent.OutputTokens > 0, "the fake provider reported no tokens");
        Assert.Equal(Cost(negotiatedEvent, price), ExactCost(negotiatedEvent));
        var listPrice = (await fixture.ConfigAdmin.GetPricesAsync(new ConfigV1.GetPricesRequest(), Admin)).Prices.Single(p => p.Provider == "openai" && p.Model == Model);
        Assert.Equal(Cost(listedEvent, listPrice), ExactCost(listedEvent));
        Assert.NotEqual(ExactCost(listedEvent), ExactCost(negotiatedEvent));
    }

    [Fact]
    public async Task A_changed_override_prices_the_next_request_within_a_second()
    {
        var usage = new CapturingUsageRecorder();
        await using var edgeHost = fixture.StartEdge(fixture.KeyVaultGrpcAddress, usage, new() { ["Edge:PriceRefreshInterval"] = "01:00:00" });
        await WatchProbe.WaitUntilWatchingAsync(edgeHost.Services, fixture.ConfigAdmin);
        var (tenant, slug) = await TenantAsync();
        var before = Price("0.5", "0.25", "0", "1.5");
        await SetOverrideAsync(tenant, before);
        using var client = edgeHost.CreateHttpClient();
        var first = await SendAsync(client, usage, tenant, slug);
        Assert.Equal(Cost(first, before), ExactCost(first));

        var after = Price("7", "3", "0", "11");
        await SetOverrideAsync(tenant, after);
        var sinceSet = Stopwatch.StartNew();
        var next = await SendAsync(client, usage, tenant, slug);
        while (ExactCost(next) != Cost(next, after) && sinceSet.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
            next = await SendAsync(client, usage, tenant, slug);
        }

        Assert.Equal(Cost(next, after), ExactCost(next));
        Assert.True(sinceSet.Elapsed < TimeSpan.FromSeconds(1), $"the override took {sinceSet.Elapsed} to reach the Edge");
    }

    private async Task<(TestTenant Tenant, string Slug)> TenantAsync()
    {
        var tenant = await fixture.CreateTenantAsync();
        var key = await fixture.CreateVirtualKeyAsync(tenant, "openai", _provider.BaseUrl);
        return (tenant, key.Slug);
    }

    private async Task SetOverrideAsync(TestTenant tenant, ConfigV1.ModelPrice price) =>
        await fixture.ConfigAdmin.SetPriceOverrideAsync(new ConfigV1.SetPriceOverrideRequest { TenantId = tenant.Id, Price = price }, Admin);

    private static ConfigV1.ModelPrice Price(string input, string cachedInput, string cacheWrite, string output) => new()
    {
        Provider = "openai",
        Model = Model,
        InputPerMtok = input,
        CachedInputPerMtok = cachedInput,
        CacheWritePerMtok = cacheWrite,
        OutputPerMtok = output,
    };

    private static decimal Cost(UsageEvent usageEvent, ConfigV1.ModelPrice price) =>
        ((usageEvent.InputTokens * Parse(price.InputPerMtok)) + (usageEvent.CachedInputTokens * Parse(price.CachedInputPerMtok))
            + (usageEvent.CacheWriteTokens * Parse(price.CacheWritePerMtok)) + (usageEvent.OutputTokens * Parse(price.OutputPerMtok))) / 1_000_000m;

    private static decimal ExactCost(UsageEvent usageEvent) => Parse(usageEvent.CostUsd);

    private static decimal Parse(string value) => ExactDecimal.TryParse(value, out var parsed) ? parsed : throw new FormatException(value);

    private static async Task<UsageEvent> SendAsync(HttpClient client, CapturingUsageRecorder usage, TestTenant tenant, string slug)
    {
        var traceId = ChatRequests.NewTraceId();
        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(Model), tenant, slug, traceId));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await usage.SingleAsync(traceId);
    }
}
