using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.ChatCompletions;

/// <summary>Client mistakes: each gets an OpenAI-style JSON error with a specific code, a trace id, and nothing
/// reaches the provider.</summary>
[Collection(EdgeCollection.Name)]
public sealed class ClientErrorTests(EdgeFixture fixture) : IAsyncLifetime
{
    private FakeOpenAiServer _provider = null!;
    private TestTenant _tenant = null!;
    private string _virtualKey = "";

    public async Task InitializeAsync()
    {
        _provider = await FakeOpenAiServer.StartAsync();
        _tenant = await fixture.CreateTenantAsync();
        _virtualKey = (await fixture.CreateVirtualKeyAsync(_tenant, "openai", _provider.BaseUrl)).Slug;
    }

    public async Task DisposeAsync()
    {
        Assert.Empty(_provider.Requests);
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task Missing_api_key_is_401_and_not_recorded()
    {
        var traceId = ChatRequests.NewTraceId();

        var error = await SendAsync(ChatRequests.Create(ChatRequests.Body(), null, _virtualKey, traceId), HttpStatusCode.Unauthorized, traceId);

        Assert.Equal(("authentication_error", "missing_api_key"), error);
        await Task.Delay(200);
        Assert.Empty(fixture.Usage.ForTrace(traceId));
    }

    [Fact]
    public async Task Unknown_api_key_is_401()
    {
        var stranger = new TestTenant("nobody", "", "gk_unknown_key_0123456789abcdef");
        var traceId = ChatRequests.NewTraceId();

        var error = await SendAsync(ChatRequests.Create(ChatRequests.Body(), stranger, _virtualKey, traceId), HttpStatusCode.Unauthorized, traceId);

        Assert.Equal(("authentication_error", "invalid_api_key"), error);
    }

    [Fact]
    public async Task Non_bearer_authorization_is_not_taken_for_a_key()
    {
        using var request = ChatRequests.Create(ChatRequests.Body(), null, _virtualKey);
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", "dXNlcjpwYXNz");

        var error = await SendAsync(request, HttpStatusCode.Unauthorized);

        Assert.Equal("missing_api_key", error.Code);
    }

    [Fact]
    public async Task Missing_virtual_key_is_400_naming_the_header_and_recorded()
    {
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(), _tenant, null, traceId));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("missing_virtual_key", json.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Contains("x-gateway-virtual-key", json.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((_tenant.Id, 400, "missing_virtual_key"), (usage.TenantId, usage.StatusCode, usage.ErrorType));
    }

    [Fact]
    public async Task Unknown_virtual_key_is_403_and_recorded()
    {
        var traceId = ChatRequests.NewTraceId();

        var error = await SendAsync(ChatRequests.Create(ChatRequests.Body(), _tenant, "no-such-key", traceId), HttpStatusCode.Forbidden, traceId);

        Assert.Equal(("permission_error", "virtual_key_not_found"), error);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((403, "virtual_key_not_found"), (usage.StatusCode, usage.ErrorType));
    }

    [Fact]
    public async Task Another_tenants_virtual_key_is_not_found()
    {
        var other = await fixture.CreateTenantAsync();

        var error = await SendAsync(ChatRequests.Create(ChatRequests.Body(), other, _virtualKey), HttpStatusCode.Forbidden);

        Assert.Equal("virtual_key_not_found", error.Code);
    }

    [Fact]
    public async Task Provider_header_must_match_the_virtual_key()
    {
        using var request = ChatRequests.Create(ChatRequests.Body(), _tenant, _virtualKey);
        request.Headers.Add("x-gateway-provider", "anthropic");

        var error = await SendAsync(request, HttpStatusCode.BadRequest);

        Assert.Equal("provider_mismatch", error.Code);
    }

    [Theory]
    [InlineData("{\"model\": \"gpt-4o-mini\", \"messages\": [", "invalid_json")]
    [InlineData("not json at all", "invalid_json")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", "missing_model")]
    [InlineData("{\"model\":\"gpt-4o-mini\"}", "missing_messages")]
    [InlineData("{\"model\":\"gpt-4o-mini\",\"messages\":\"hi\"}", "invalid_messages")]
    public async Task Malformed_bodies_are_400_invalid_request_error(string body, string code)
    {
        var traceId = ChatRequests.NewTraceId();

        var error = await SendAsync(ChatRequests.Create(body, _tenant, _virtualKey, traceId), HttpStatusCode.BadRequest, traceId);

        Assert.Equal(("invalid_request_error", code), error);
        Assert.Equal((400, code), ((await fixture.Usage.SingleAsync(traceId)).StatusCode, (await fixture.Usage.SingleAsync(traceId)).ErrorType));
    }

    [Fact]
    public async Task Oversized_body_is_413()
    {
        var body = ChatRequests.Body().Replace("Be brief.", new string('x', EdgeFixture.MaxRequestBodyBytes), StringComparison.Ordinal);

        var error = await SendAsync(ChatRequests.Create(body, _tenant, _virtualKey), HttpStatusCode.RequestEntityTooLarge);

        Assert.Equal(("invalid_request_error", "request_too_large"), error);
    }

    [Fact]
    public async Task Oversized_body_without_content_length_is_413_too()
    {
        var body = Encoding.UTF8.GetBytes(ChatRequests.Body().Replace("Be brief.", new string('x', EdgeFixture.MaxRequestBodyBytes), StringComparison.Ordinal));
        using var request = ChatRequests.Create("", _tenant, _virtualKey);
        request.Content = new StreamContent(new UnknownLengthStream(body));
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var error = await SendAsync(request, HttpStatusCode.RequestEntityTooLarge);

        Assert.Equal("request_too_large", error.Code);
    }

    [Fact]
    public async Task Other_v1_paths_are_passed_through_only_with_a_gateway_key()
    {
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.PostAsync("/v1/no/such/thing", new StringContent("{}"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("missing_api_key", json.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    private async Task<(string Type, string Code)> SendAsync(HttpRequestMessage request, HttpStatusCode expected, string? traceId = null)
    {
        using var client = fixture.Edge.CreateHttpClient();
        using var response = await client.SendAsync(request);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        var echoed = Assert.Single(response.Headers.GetValues("x-gateway-trace-id"));
        if (traceId is not null)
        {
            Assert.Equal(traceId, echoed);
        }

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
        return (error.GetProperty("type").GetString()!, error.GetProperty("code").GetString()!);
    }

    /// <summary>Forces chunked transfer encoding: the gateway cannot rely on Content-Length.</summary>
    private sealed class UnknownLengthStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
