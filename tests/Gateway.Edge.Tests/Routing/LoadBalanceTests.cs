using System.Net;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Routing;

/// <summary>Load balancing: weighted choice, nested fallback groups.</summary>
[Collection(EdgeCollection.Name)]
public sealed class LoadBalanceTests(EdgeFixture fixture) : IAsyncLifetime
{
    private RoutingHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await RoutingHarness.StartAsync(fixture);

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Requests_are_spread_by_weight()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var (b, slugB) = await _harness.ProviderAsync();
        var config = $$"""{"strategy":{"mode":"loadbalance"},"targets":[{"virtual_key":"{{slugA}}","weight":3},{"virtual_key":"{{slugB}}"}]}""";
        using var client = fixture.Edge.CreateHttpClient();
        const int Requests = 200;

        for (var i = 0; i < Requests; i++)
        {
            using var response = await client.SendAsync(_harness.Chat(config, ChatRequests.NewTraceId()));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(Requests, a.Requests.Count + b.Requests.Count);
        // Expected 150 : 50; the binomial standard deviation is about 6, so +-30 fails only when the weights are ignored.
        Assert.InRange(a.Requests.Count, 120, 180);
    }

    [Fact]
    public async Task Nested_fallback_inside_loadbalance_serves_every_request()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var (b, slugB) = await _harness.ProviderAsync();
        var (c, slugC) = await _harness.ProviderAsync();
        var (d, slugD) = await _harness.ProviderAsync();
        a.Error = new FakeError(500, """{"error":{"message":"a down"}}""");
        c.Error = new FakeError(503, """{"error":{"message":"c down"}}""");
        var config = $$"""
            {"strategy":{"mode":"loadbalance"},"targets":[
              {"strategy":{"mode":"fallback"},"targets":[{"virtual_key":"{{slugA}}"},{"virtual_key":"{{slugB}}"}]},
              {"strategy":{"mode":"fallback"},"targets":[{"virtual_key":"{{slugC}}"},{"virtual_key":"{{slugD}}"}]}]}
            """.ReplaceLineEndings("");
        using var client = fixture.Edge.CreateHttpClient();

        for (var i = 0; i < 20; i++)
        {
            using var response = await client.SendAsync(_harness.Chat(config, ChatRequests.NewTraceId()));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(20, b.Requests.Count + d.Requests.Count);
        // Each group tried its failing first target before its second, until that target's breaker opened (5 failures).
        Assert.Equal(Math.Min(b.Requests.Count, 5), a.Requests.Count);
        Assert.Equal(Math.Min(d.Requests.Count, 5), c.Requests.Count);
    }

    [Fact]
    public async Task Single_mode_uses_its_one_target()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(_harness.Chat(
            $$"""{"strategy":{"mode":"single"},"targets":[{"virtual_key":"{{slugA}}"}]}""", ChatRequests.NewTraceId()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(a.Requests);
    }
}
