using System.Net;
using System.Text.Json;

namespace Gateway.Edge.Tests.Routing;

/// <summary>Conditional routing on request metadata and body params; override_params reaching the provider.</summary>
[Collection(EdgeCollection.Name)]
public sealed class ConditionalTests(EdgeFixture fixture) : IAsyncLifetime
{
    private RoutingHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await RoutingHarness.StartAsync(fixture);

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Metadata_picks_the_target()
    {
        var (pro, slugPro) = await _harness.ProviderAsync();
        var (free, slugFree) = await _harness.ProviderAsync();
        var config = $$$"""{"strategy":{"mode":"conditional","conditions":[{"query":{"metadata.tier":{"$eq":"pro"}},"then":"pro"}],"default":"free"},"targets":[{"name":"pro","virtual_key":"{{{slugPro}}}"},{"name":"free","virtual_key":"{{{slugFree}}}"}]}""";
        using var client = fixture.Edge.CreateHttpClient();

        var proRequest = _harness.Chat(config, ChatRequests.NewTraceId());
        proRequest.Headers.Add("x-gateway-metadata", """{"tier":"pro"}""");
        using var first = await client.SendAsync(proRequest);
        var headerRequest = _harness.Chat(config, ChatRequests.NewTraceId());
        headerRequest.Headers.Add("x-gateway-meta-tier", "pro");
        using var second = await client.SendAsync(headerRequest);
        using var third = await client.SendAsync(_harness.Chat(config, ChatRequests.NewTraceId()));

        Assert.All([first, second, third], response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
        Assert.Equal(2, pro.Requests.Count);
        Assert.Single(free.Requests);
    }

    [Fact]
    public async Task Params_pick_the_target()
    {
        var (big, slugBig) = await _harness.ProviderAsync();
        var (small, slugSmall) = await _harness.ProviderAsync();
        var config = $$$"""{"strategy":{"mode":"conditional","conditions":[{"query":{"$and":[{"params.model":{"$regex":"^gpt-4o$"}},{"params.temperature":{"$lt":0.5}}]},"then":"big"}],"default":"small"},"targets":[{"name":"big","virtual_key":"{{{slugBig}}}"},{"name":"small","virtual_key":"{{{slugSmall}}}"}]}""";
        using var client = fixture.Edge.CreateHttpClient();

        using var first = await client.SendAsync(_harness.Chat(config, ChatRequests.NewTraceId(), ChatRequests.Body(model: "gpt-4o")));
        using var second = await client.SendAsync(_harness.Chat(config, ChatRequests.NewTraceId(), ChatRequests.Body(model: "gpt-4o-mini")));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        Assert.Single(big.Requests);
        Assert.Single(small.Requests);
    }

    [Fact]
    public async Task No_match_without_default_is_a_client_error()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var config = $$$"""{"strategy":{"mode":"conditional","conditions":[{"query":{"metadata.tier":{"$eq":"pro"}},"then":"a"}]},"targets":[{"name":"a","virtual_key":"{{{slugA}}}"}]}""";
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(_harness.Chat(config, traceId));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("no_route_matched", await RoutingHarness.ErrorCodeAsync(response));
        Assert.Empty(a.Requests);
        Assert.Equal(400, (await fixture.Usage.SingleAsync(traceId)).StatusCode);
    }

    [Fact]
    public async Task Override_params_reach_the_provider_and_the_usage_event()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var config = $$$"""{"override_params":{"max_tokens":5},"strategy":{"mode":"single"},"targets":[{"virtual_key":"{{{slugA}}}","override_params":{"model":"gpt-4o"}}]}""";
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(_harness.Chat(config, traceId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var sent = Assert.Single(a.Requests).Json();
        Assert.Equal("gpt-4o", sent.RootElement.GetProperty("model").GetString());
        Assert.Equal(5, sent.RootElement.GetProperty("max_tokens").GetInt32());
        Assert.Equal(JsonValueKind.Array, sent.RootElement.GetProperty("messages").ValueKind);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(("openai", "gpt-4o"), (usage.Provider, usage.Model));
        Assert.Equal("gpt-4o", Assert.Single(usage.Attempts).Model);
    }
}
