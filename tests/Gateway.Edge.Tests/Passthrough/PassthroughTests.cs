using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Edge.Tests.Pipeline;
using Gateway.Edge.Tests.Providers;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Passthrough;

[Collection(EdgeCollection.Name)]
public sealed class PassthroughTests(EdgeFixture fixture) : IAsyncLifetime
{
    private FakeOpenAiServer _provider = null!;
    private TestTenant _tenant = null!;
    private string _virtualKey = "";
    private string _virtualKeyId = "";

    public async Task InitializeAsync()
    {
        _provider = await FakeOpenAiServer.StartAsync();
        _provider.Usage = new FakeUsage(PromptTokens: 1000, CompletionTokens: 500, CachedTokens: 200, ReasoningTokens: 40);
        _tenant = await fixture.CreateTenantAsync();
        var key = await fixture.CreateVirtualKeyAsync(_tenant, "openai", _provider.BaseUrl, credential: "sk-upstream-secret");
        (_virtualKey, _virtualKeyId) = (key.Slug, key.Id);
    }

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    [Fact]
    public async Task A_multipart_file_upload_is_forwarded_unchanged_with_the_provider_credential()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();
        var request = EdgeRequests.Create(HttpMethod.Post, "/v1/files", _tenant, _virtualKey, traceId);
        var form = new MultipartFormDataContent("gateway-test-boundary");
        form.Add(new StringContent("batch"), "purpose");
        form.Add(new ByteArrayContent(Encoding.UTF8.GetBytes("{\"custom_id\":\"1\"}\n")), "file", "upload.jsonl");
        var sentBytes = await form.ReadAsByteArrayAsync();
        request.Content = form;

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(("file-fake-1", sentBytes.Length), (json.RootElement.GetProperty("id").GetString(), json.RootElement.GetProperty("bytes").GetInt32()));
        var upstream = Assert.Single(_provider.Requests);
        Assert.Equal("/v1/files", upstream.Path);
        Assert.Equal(sentBytes, upstream.Body);
        Assert.Equal("multipart/form-data; boundary=\"gateway-test-boundary\"", upstream.Headers["Content-Type"]);
        Assert.Equal("Bearer sk-upstream-secret", upstream.Headers["Authorization"]);
        Assert.False(upstream.Headers.ContainsKey("x-gateway-virtual-key"));

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((_tenant.Id, _virtualKeyId, "openai", "/v1/files", 200), (usage.TenantId, usage.VirtualKeyId, usage.Provider, usage.Endpoint, usage.StatusCode));
        Assert.Equal((0L, 0L, "0"), (usage.InputTokens, usage.OutputTokens, usage.CostUsd));
        Assert.Equal(200, Assert.Single(usage.Attempts).StatusCode);
    }

    [Theory]
    [InlineData("GET")]
    [InlineData("DELETE")]
    public async Task Other_methods_keep_their_path_and_query(string method)
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(EdgeRequests.Create(new HttpMethod(method), "/v1/files/file-abc/content?limit=2&order=asc",
            _tenant, _virtualKey, traceId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(method, json.RootElement.GetProperty("method").GetString());
        var upstream = Assert.Single(_provider.Requests);
        Assert.Equal(("/v1/files/file-abc/content", "?limit=2&order=asc"), (upstream.Path, upstream.QueryString));
        Assert.Equal("Bearer sk-upstream-secret", upstream.Headers["Authorization"]);
        // The usage event names the API, not the file id.
        Assert.Equal("/v1/files", (await fixture.Usage.SingleAsync(traceId)).Endpoint);
    }

    [Fact]
    public async Task Escaped_path_characters_stay_in_the_path_and_openai_beta_is_passed_on()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var request = EdgeRequests.Create(HttpMethod.Get, "/v1/files/a%3Fb%23c", _tenant, _virtualKey, ChatRequests.NewTraceId());
        request.Headers.Add("OpenAI-Beta", "assistants=v2");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = Assert.Single(_provider.Requests);
        Assert.Equal(("/v1/files/a%3Fb%23c", ""), (upstream.Path, upstream.QueryString));
        Assert.Equal("assistants=v2", upstream.Headers["OpenAI-Beta"]);
    }

    [Fact]
    public async Task Responses_api_usage_is_billed_from_its_input_and_output_tokens()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();
        const string body = """{"model":"gpt-4o-mini","input":"Say hello"}""";

        using var response = await client.SendAsync(EdgeRequests.Create(HttpMethod.Post, "/v1/responses", _tenant, _virtualKey, traceId, body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, Assert.Single(_provider.Requests).BodyText);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(("gpt-4o-mini", "/v1/responses"), (usage.Model, usage.Endpoint));
        Assert.Equal((800L, 200L, 500L, 40L), (usage.InputTokens, usage.CachedInputTokens, usage.OutputTokens, usage.ReasoningTokens));
        // gpt-4o-mini: 800*0.15 + 200*0.075 + 500*0.60 per 1M tokens.
        Assert.Equal("0.000435", usage.CostUsd);
    }

    [Fact]
    public async Task A_streamed_response_is_relayed_as_is_and_billed_from_its_completed_event()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(EdgeRequests.Create(HttpMethod.Post, "/v1/responses", _tenant, _virtualKey, traceId,
            """{"model":"gpt-4o-mini","input":"Say hello","stream":true}"""), HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        Assert.StartsWith("event: response.created\n", text, StringComparison.Ordinal);
        Assert.Contains("event: response.completed\n", text, StringComparison.Ordinal);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(("gpt-4o-mini", 800L, 200L, 500L), (usage.Model, usage.InputTokens, usage.CachedInputTokens, usage.OutputTokens));
        Assert.Equal("0.000435", usage.CostUsd);
    }

    [Fact]
    public async Task Provider_errors_pass_through_with_status_and_body()
    {
        _provider.Error = new FakeError(404, """{"error":{"message":"No such file: file-x","type":"invalid_request_error","code":null}}""");
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(EdgeRequests.Create(HttpMethod.Get, "/v1/files/file-x", _tenant, _virtualKey, traceId));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal(_provider.Error.Body, await response.Content.ReadAsStringAsync());
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((404, "upstream_404"), (usage.StatusCode, usage.ErrorType));
    }

    [Theory]
    [InlineData("anthropic")]
    [InlineData("mock")]
    public async Task Providers_off_the_openai_wire_are_refused_by_name(string provider)
    {
        var key = (await fixture.CreateVirtualKeyAsync(_tenant, provider, _provider.Root())).Slug;
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(EdgeRequests.Create(HttpMethod.Get, "/v1/files", _tenant, key, traceId));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.EndsWith($"are not offered by {provider}.", json.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(_provider.Requests);
        Assert.Equal(400, (await fixture.Usage.SingleAsync(traceId)).StatusCode);
    }

    [Fact]
    public async Task Azure_resource_paths_get_the_configured_api_version()
    {
        var azureKey = await ProviderKeys.CreateAsync(fixture, _tenant, "azure-openai", _provider.Root(),
            new Dictionary<string, string> { ["deployment"] = "chat", ["api_version"] = "2024-10-21" });
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(EdgeRequests.Create(HttpMethod.Get, "/v1/files?purpose=batch", _tenant, azureKey.Slug,
            ChatRequests.NewTraceId()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = Assert.Single(_provider.Requests);
        Assert.Equal(("/openai/files", "?purpose=batch&api-version=2024-10-21"), (upstream.Path, upstream.QueryString));
        Assert.Equal("sk-provider-secret", upstream.Headers["api-key"]);
    }

    [Fact]
    public async Task Needs_a_gateway_key_and_a_body_within_the_limit()
    {
        using var client = fixture.Edge.CreateHttpClient();

        using var anonymous = await client.SendAsync(EdgeRequests.Create(HttpMethod.Get, "/v1/files", null, _virtualKey, ChatRequests.NewTraceId()));
        var tooLarge = EdgeRequests.Create(HttpMethod.Post, "/v1/files", _tenant, _virtualKey, ChatRequests.NewTraceId());
        tooLarge.Content = new ByteArrayContent(new byte[EdgeFixture.MaxRequestBodyBytes + 1]);
        tooLarge.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var large = await client.SendAsync(tooLarge);

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, large.StatusCode);
        Assert.Empty(_provider.Requests);
    }
}
