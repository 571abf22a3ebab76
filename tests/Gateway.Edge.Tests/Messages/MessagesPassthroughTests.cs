extern alias edge;

using System.Net;
using Gateway.Testing;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Messages;

/// <summary>An Anthropic SDK that keeps its own Anthropic key in <c>x-api-key</c> and sends the gateway key in
/// <c>x-gateway-api-key</c>: the key is passed through. This class runs its own Edge whose <c>anthropic</c> provider
/// points at the fake, since a passthrough key has no virtual key (hence no base URL).</summary>
[Collection(EdgeCollection.Name)]
public sealed class MessagesPassthroughTests(EdgeFixture fixture) : IAsyncLifetime
{
    private FakeAnthropicServer _provider = null!;
    private ServiceHost<edge::Program> _edge = null!;
    private TestTenant _tenant = null!;

    public async Task InitializeAsync()
    {
        _provider = await FakeAnthropicServer.StartAsync();
        _edge = fixture.StartEdge(fixture.KeyVaultGrpcAddress, fixture.Usage, new() { ["Providers:Anthropic:BaseUrl"] = _provider.BaseUrl });
        _tenant = await fixture.CreateTenantAsync();
    }

    public async Task DisposeAsync()
    {
        await _edge.DisposeAsync();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task The_clients_anthropic_key_in_x_api_key_reaches_anthropic()
    {
        using var client = _edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();
        using var request = MessagesRequests.Create(MessagesRequests.Body("claude-sonnet-4-5"), null, null, traceId);
        request.Headers.Add("x-gateway-api-key", _tenant.ApiKey);
        request.Headers.Add("x-api-key", "sk-ant-client-own-key");
        request.Headers.Add("x-gateway-provider", "anthropic");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = Assert.Single(_provider.Requests);
        Assert.Equal("sk-ant-client-own-key", upstream.Headers["x-api-key"]);
        Assert.False(upstream.Headers.ContainsKey("x-gateway-api-key"));
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((_tenant.Id, "", "anthropic", 200), (usage.TenantId, usage.VirtualKeyId, usage.Provider, usage.StatusCode));
    }
}
