extern alias edge;

using System.Net;
using System.Text.Json;
using Gateway.Testing;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.ChatCompletions;

/// <summary>Gateway key and provider credential combinations. This class runs its own Edge whose <c>openai</c>
/// provider points at the fake, so a passthrough key (no virtual key, hence no base URL) can be observed upstream.</summary>
[Collection(EdgeCollection.Name)]
public sealed class ProviderKeyPassthroughTests(EdgeFixture fixture) : IAsyncLifetime
{
    private FakeOpenAiServer _provider = null!;
    private ServiceHost<edge::Program> _edge = null!;
    private TestTenant _tenant = null!;
    private string _virtualKey = "";
    private string _virtualKeyId = "";

    public async Task InitializeAsync()
    {
        _provider = await FakeOpenAiServer.StartAsync();
        _edge = fixture.StartEdge(fixture.KeyVaultGrpcAddress, fixture.Usage, new() { ["Providers:OpenAI:BaseUrl"] = _provider.BaseUrl });
        _tenant = await fixture.CreateTenantAsync();
        var virtualKey = await fixture.CreateVirtualKeyAsync(_tenant, "openai", _provider.BaseUrl, credential: "sk-from-virtual-key");
        (_virtualKey, _virtualKeyId) = (virtualKey.Slug, virtualKey.Id);
    }

    public async Task DisposeAsync()
    {
        await _edge.DisposeAsync();
        await _provider.DisposeAsync();
    }

    [Theory]
    [InlineData("x-gateway-api-key", "Authorization", "Bearer sk-passthrough", "x-gateway-provider")]
    [InlineData("x-portkey-api-key", "Authorization", "Bearer sk-passthrough", "x-portkey-provider")]
    [InlineData("x-gateway-api-key", "x-api-key", "sk-passthrough", "x-gateway-provider")]
    [InlineData("x-portkey-api-key", "x-api-key", "sk-passthrough", "x-portkey-provider")]
    public async Task Provider_key_beside_the_gateway_header_is_passed_through(string keyHeader, string credentialHeader, string credential,
        string providerHeader)
    {
        var (response, traceId) = await SendAsync((keyHeader, _tenant.ApiKey), (credentialHeader, credential), (providerHeader, "openai"));

        Assert.Equal(HttpStatusCode.OK, response);
        var upstream = Assert.Single(_provider.Requests);
        Assert.Equal("Bearer sk-passthrough", upstream.Headers["Authorization"]);
        Assert.False(upstream.Headers.ContainsKey("x-api-key"));
        Assert.False(upstream.Headers.ContainsKey(keyHeader));
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((_tenant.Id, _tenant.ApiKeyId, "", "openai", 200), (usage.TenantId, usage.ApiKeyId, usage.VirtualKeyId, usage.Provider, usage.StatusCode));
    }

    [Fact]
    public async Task Virtual_key_wins_over_a_passthrough_key()
    {
        var (response, traceId) = await SendAsync(("x-gateway-api-key", _tenant.ApiKey), ("Authorization", "Bearer sk-passthrough"),
            ("x-gateway-virtual-key", _virtualKey));

        Assert.Equal(HttpStatusCode.OK, response);
        Assert.Equal("Bearer sk-from-virtual-key", Assert.Single(_provider.Requests).Headers["Authorization"]);
        Assert.Equal(_virtualKeyId, (await fixture.Usage.SingleAsync(traceId)).VirtualKeyId);
    }

    [Fact]
    public async Task Passthrough_without_a_provider_is_400()
    {
        var (response, traceId) = await SendAsync(("x-gateway-api-key", _tenant.ApiKey), ("Authorization", "Bearer sk-passthrough"));

        Assert.Equal(HttpStatusCode.BadRequest, response);
        Assert.Equal("missing_provider", (await fixture.Usage.SingleAsync(traceId)).ErrorType);
        Assert.Empty(_provider.Requests);
    }

    [Fact]
    public async Task Passthrough_to_an_unknown_provider_is_400()
    {
        var (response, traceId) = await SendAsync(("x-gateway-api-key", _tenant.ApiKey), ("x-api-key", "sk-passthrough"),
            ("x-gateway-provider", "no-such-provider"));

        Assert.Equal(HttpStatusCode.BadRequest, response);
        Assert.Equal("unsupported_provider", (await fixture.Usage.SingleAsync(traceId)).ErrorType);
    }

    [Fact]
    public async Task Gateway_key_in_authorization_is_never_a_provider_key()
    {
        var (response, traceId) = await SendAsync(("Authorization", "Bearer " + _tenant.ApiKey), ("x-gateway-provider", "openai"));

        Assert.Equal(HttpStatusCode.BadRequest, response);
        Assert.Equal("missing_virtual_key", (await fixture.Usage.SingleAsync(traceId)).ErrorType);
        Assert.Empty(_provider.Requests);
    }

    [Fact]
    public async Task Gateway_key_in_x_api_key_works_with_a_virtual_key()
    {
        var (response, traceId) = await SendAsync(("x-api-key", _tenant.ApiKey), ("x-portkey-virtual-key", _virtualKey));

        Assert.Equal(HttpStatusCode.OK, response);
        Assert.Equal("Bearer sk-from-virtual-key", Assert.Single(_provider.Requests).Headers["Authorization"]);
        Assert.Equal((_tenant.Id, _virtualKeyId), ((await fixture.Usage.SingleAsync(traceId)).TenantId, (await fixture.Usage.SingleAsync(traceId)).VirtualKeyId));
    }

    [Fact]
    public async Task A_provider_key_alone_is_not_a_gateway_key()
    {
        var (response, _) = await SendAsync(("x-api-key", "sk-ant-not-a-gateway-key"), ("x-gateway-provider", "openai"));

        Assert.Equal(HttpStatusCode.Unauthorized, response);
        Assert.Empty(_provider.Requests);
    }

    private async Task<(HttpStatusCode Status, string TraceId)> SendAsync(params (string Name, string Value)[] headers)
    {
        var traceId = ChatRequests.NewTraceId();
        using var request = ChatRequests.Create(ChatRequests.Body(), null, null, traceId);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var client = _edge.CreateHttpClient();
        using var response = await client.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.True(json.RootElement.GetProperty("error").TryGetProperty("code", out _));
        }

        return (response.StatusCode, traceId);
    }
}
