using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Messages;

/// <summary>Authentication and gateway errors on <c>/v1/messages</c>: Anthropic-shaped, and nothing sent upstream.</summary>
[Collection(EdgeCollection.Name)]
public sealed class MessagesErrorTests(EdgeFixture fixture) : IAsyncLifetime
{
    private FakeAnthropicServer _provider = null!;
    private TestTenant _tenant = null!;
    private string _virtualKey = "";

    public async Task InitializeAsync()
    {
        _provider = await FakeAnthropicServer.StartAsync();
        _tenant = await fixture.CreateTenantAsync();
        _virtualKey = (await fixture.CreateVirtualKeyAsync(_tenant, "anthropic", _provider.BaseUrl)).Slug;
    }

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    [Fact]
    public async Task A_request_without_a_gateway_key_gets_an_anthropic_authentication_error()
    {
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(MessagesRequests.Create(MessagesRequests.Body("claude-sonnet-4-5"), null, _virtualKey));

        await AssertAnthropicErrorAsync(response, HttpStatusCode.Unauthorized, "authentication_error");
        Assert.Empty(_provider.Requests);
    }

    [Fact]
    public async Task An_unknown_key_in_x_api_key_gets_an_anthropic_authentication_error()
    {
        using var client = fixture.Edge.CreateHttpClient();
        using var request = MessagesRequests.Create(MessagesRequests.Body("claude-sonnet-4-5"), null, _virtualKey);
        request.Headers.Add("x-api-key", "gw-not-a-real-key");

        using var response = await client.SendAsync(request);

        await AssertAnthropicErrorAsync(response, HttpStatusCode.Unauthorized, "authentication_error");
        Assert.Empty(_provider.Requests);
    }

    [Fact]
    public async Task The_gateway_key_is_also_accepted_as_a_bearer_token()
    {
        using var client = fixture.Edge.CreateHttpClient();
        using var request = MessagesRequests.Create(MessagesRequests.Body("claude-sonnet-4-5"), null, _virtualKey);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _tenant.ApiKey);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(_provider.Requests);
    }

    [Theory]
    [InlineData("{\"model\":\"claude-sonnet-4-5\",\"messages\":[")]
    [InlineData("{\"model\":\"claude-sonnet-4-5\"}")]
    [InlineData("[]")]
    public async Task A_malformed_body_gets_an_anthropic_invalid_request_error_and_is_recorded(string body)
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(MessagesRequests.Create(body, _tenant, _virtualKey, traceId));

        await AssertAnthropicErrorAsync(response, HttpStatusCode.BadRequest, "invalid_request_error");
        Assert.Empty(_provider.Requests);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(("/v1/messages", 400), (usage.Endpoint, usage.StatusCode));
    }

    [Fact]
    public async Task An_unknown_virtual_key_gets_an_anthropic_permission_error()
    {
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(MessagesRequests.Create(MessagesRequests.Body("claude-sonnet-4-5"), _tenant, "no-such-key"));

        await AssertAnthropicErrorAsync(response, HttpStatusCode.Forbidden, "permission_error");
        Assert.Empty(_provider.Requests);
    }

    private static async Task AssertAnthropicErrorAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        Assert.True(response.Headers.Contains("x-gateway-trace-id"));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("error", json.RootElement.GetProperty("type").GetString());
        Assert.Equal(type, json.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(json.RootElement.GetProperty("error").GetProperty("message").GetString()));
    }
}
