using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.ChatCompletions;

[Collection(EdgeCollection.Name)]
public sealed class OpenAiForwardingTests(EdgeFixture fixture) : IAsyncLifetime
{
    private FakeOpenAiServer _provider = null!;
    private TestTenant _tenant = null!;
    private string _virtualKey = "";
    private string _virtualKeyId = "";

    public async Task InitializeAsync()
    {
        _provider = await FakeOpenAiServer.StartAsync();
        _provider.Answer = "Hello gateway, nice to meet you.";
        _provider.Usage = new FakeUsage(PromptTokens: 1000, CompletionTokens: 500, CachedTokens: 200, ReasoningTokens: 40);
        _tenant = await fixture.CreateTenantAsync();
        var virtualKey = await fixture.CreateVirtualKeyAsync(_tenant, "openai", _provider.BaseUrl, credential: "sk-upstream-secret");
        (_virtualKey, _virtualKeyId) = (virtualKey.Slug, virtualKey.Id);
    }

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    [Fact]
    public async Task Non_streaming_request_is_forwarded_byte_for_byte_and_billed_exactly()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();
        var body = ChatRequests.Body("gpt-4o-mini-2024-07-18");

        using var response = await client.SendAsync(ChatRequests.Create(body, _tenant, _virtualKey, traceId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(traceId, Assert.Single(response.Headers.GetValues("x-gateway-trace-id")));
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(_provider.Answer, json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());

        var upstream = Assert.Single(_provider.Requests);
        Assert.Equal("/v1/chat/completions", upstream.Path);
        Assert.Equal(body, upstream.BodyText);
        Assert.Equal("Bearer sk-upstream-secret", upstream.Headers["Authorization"]);
        Assert.Equal("application/json", upstream.Headers["Content-Type"]);
        Assert.False(upstream.Headers.ContainsKey("x-gateway-virtual-key"));
        Assert.Equal("application/json", response.Content.Headers.ContentType!.ToString());

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((_tenant.Id, _tenant.ApiKeyId, _virtualKeyId), (usage.TenantId, usage.ApiKeyId, usage.VirtualKeyId));
        Assert.Equal(("openai", "gpt-4o-mini-2024-07-18", "/v1/chat/completions", false), (usage.Provider, usage.Model, usage.Endpoint, usage.Stream));
        Assert.Equal((200, ""), (usage.StatusCode, usage.ErrorType));
        Assert.Equal((800L, 200L, 500L, 40L), (usage.InputTokens, usage.CachedInputTokens, usage.OutputTokens, usage.ReasoningTokens));
        // gpt-4o-mini: 800*0.15 + 200*0.075 + 500*0.60 per 1M tokens.
        Assert.Equal("0.000435", usage.CostUsd);
        Assert.True(usage.Priced);
        Assert.NotEmpty(usage.PriceVersion);
        Assert.True(usage.TimeToFirstByteUs > 0 && usage.LatencyUs >= usage.TimeToFirstByteUs);
        Assert.True(Guid.TryParse(usage.EventId, out _));
        var attempt = Assert.Single(usage.Attempts);
        Assert.Equal(200, attempt.StatusCode);
        Assert.Equal(new Uri(_provider.BaseUrl).Authority, attempt.Target);
    }

    [Fact]
    public async Task Streaming_without_include_usage_asks_upstream_for_usage_and_strips_it_from_the_client()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();
        var body = ChatRequests.Body(stream: true);

        using var response = await client.SendAsync(ChatRequests.Create(body, _tenant, _virtualKey, traceId), HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var events = await reader.ReadAllAsync();
        Assert.Equal(_provider.Answer, SseReader.Content(events));
        Assert.Equal("[DONE]", events[^1]);
        Assert.DoesNotContain(events, SseReader.IsUsageOnlyChunk);

        using var upstreamBody = Assert.Single(_provider.Requests).Json();
        Assert.True(upstreamBody.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal(0.2, upstreamBody.RootElement.GetProperty("temperature").GetDouble());

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.True(usage.Stream);
        Assert.Equal((800L, 200L, 500L), (usage.InputTokens, usage.CachedInputTokens, usage.OutputTokens));
        Assert.Equal("0.000435", usage.CostUsd);
    }

    [Fact]
    public async Task Streaming_with_include_usage_keeps_the_usage_chunk_and_the_body_unchanged()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();
        var body = ChatRequests.Body(stream: true, includeUsage: true);

        using var response = await client.SendAsync(ChatRequests.Create(body, _tenant, _virtualKey, traceId), HttpCompletionOption.ResponseHeadersRead);

        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var events = await reader.ReadAllAsync();
        var usageChunk = Assert.Single(events, SseReader.IsUsageOnlyChunk);
        using (var json = JsonDocument.Parse(usageChunk))
        {
            Assert.Equal(1000, json.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        }

        Assert.Equal(body, Assert.Single(_provider.Requests).BodyText);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(500L, usage.OutputTokens);
    }

    [Fact]
    public async Task Streamed_chunks_reach_the_client_while_the_provider_is_still_generating()
    {
        _provider.Answer = "one two three four";
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _provider.PauseAfterFirstChunk = gate;
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(stream: true), _tenant, _virtualKey),
            HttpCompletionOption.ResponseHeadersRead);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());

        // The provider is paused after "one ": if the gateway buffered the stream, these reads would never complete.
        var role = await reader.NextDataAsync().WaitAsync(TimeSpan.FromSeconds(10));
        var first = await reader.NextDataAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("", SseReader.Content([role!]));
        Assert.Equal("one ", SseReader.Content([first!]));

        gate.SetResult();
        var rest = await reader.ReadAllAsync();
        Assert.Equal("two three four", SseReader.Content(rest));
    }

    [Fact]
    public async Task Client_disconnect_mid_stream_cancels_upstream_and_is_still_recorded()
    {
        _provider.PauseAfterFirstChunk = new TaskCompletionSource();
        var traceId = ChatRequests.NewTraceId();
        // No draining of the unread response on dispose: the connection closes at once, as when a user hits stop.
        using (var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = fixture.Edge.HttpAddress })
        {
            using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(stream: true), _tenant, _virtualKey, traceId),
                HttpCompletionOption.ResponseHeadersRead);
            using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
            Assert.NotNull(await reader.NextDataAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        }

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((499, "client_disconnected"), (usage.StatusCode, usage.ErrorType));
        Assert.True(usage.Stream);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!_provider.Requests[0].Aborted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        Assert.True(_provider.Requests[0].Aborted, "the upstream request was not cancelled");
    }

    [Fact]
    public async Task Portkey_style_headers_work_too()
    {
        using var client = fixture.Edge.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(ChatRequests.Body(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-portkey-api-key", _tenant.ApiKey);
        request.Headers.Add("x-portkey-virtual-key", _virtualKey);
        request.Headers.Add("x-gateway-provider", "openai");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(_provider.Requests);
    }

    [Fact]
    public async Task Trace_id_is_generated_when_the_client_sends_none()
    {
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(), _tenant, _virtualKey));

        var traceId = Assert.Single(response.Headers.GetValues("x-gateway-trace-id"));
        Assert.False(string.IsNullOrWhiteSpace(traceId));
        Assert.Equal(200, (await fixture.Usage.SingleAsync(traceId)).StatusCode);
    }
}
