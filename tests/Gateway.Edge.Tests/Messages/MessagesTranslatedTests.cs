using System.Net;
using System.Text.Json;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Messages;

/// <summary>Anthropic-format clients on <c>/v1/messages</c> with an <c>openai</c> virtual key: the request goes out as
/// a chat completion, the answer comes back as an Anthropic message or event stream.</summary>
[Collection(EdgeCollection.Name)]
public sealed class MessagesTranslatedTests(EdgeFixture fixture) : IAsyncLifetime
{
    private FakeOpenAiServer _provider = null!;
    private TestTenant _tenant = null!;
    private string _virtualKey = "";

    public async Task InitializeAsync()
    {
        _provider = await FakeOpenAiServer.StartAsync();
        _provider.Answer = "Hello gateway, from OpenAI.";
        _provider.Usage = new FakeUsage(PromptTokens: 1200, CompletionTokens: 30, CachedTokens: 1000);
        _tenant = await fixture.CreateTenantAsync();
        _virtualKey = (await fixture.CreateVirtualKeyAsync(_tenant, "openai", _provider.BaseUrl)).Slug;
    }

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    [Fact]
    public async Task A_message_is_sent_as_a_chat_completion_and_answered_as_an_anthropic_message()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(MessagesRequests.Create(MessagesRequests.Body("gpt-4o"), _tenant, _virtualKey, traceId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal(("message", "assistant", "end_turn"), (root.GetProperty("type").GetString(), root.GetProperty("role").GetString(),
            root.GetProperty("stop_reason").GetString()));
        var block = Assert.Single(root.GetProperty("content").EnumerateArray());
        Assert.Equal(("text", _provider.Answer), (block.GetProperty("type").GetString(), block.GetProperty("text").GetString()));
        Assert.Equal((200, 1000, 30), (root.GetProperty("usage").GetProperty("input_tokens").GetInt32(),
            root.GetProperty("usage").GetProperty("cache_read_input_tokens").GetInt32(), root.GetProperty("usage").GetProperty("output_tokens").GetInt32()));

        var upstream = Assert.Single(_provider.Requests);
        Assert.Equal("/v1/chat/completions", upstream.Path);
        Assert.Equal("Bearer sk-test-credential", upstream.Headers["Authorization"]);
        Assert.False(upstream.Headers.ContainsKey("anthropic-version"));
        using var sent = upstream.Json();
        var messages = sent.RootElement.GetProperty("messages");
        Assert.Equal(("system", "Be brief."), (messages[0].GetProperty("role").GetString(), messages[0].GetProperty("content").GetString()));
        Assert.Equal(("user", "Say hello to the gateway"), (messages[1].GetProperty("role").GetString(), messages[1].GetProperty("content").GetString()));
        Assert.Equal(256, sent.RootElement.GetProperty("max_tokens").GetInt32());

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(("openai", "gpt-4o", "/v1/messages", 200), (usage.Provider, usage.Model, usage.Endpoint, usage.StatusCode));
        Assert.Equal((200L, 1000L, 0L, 30L), (usage.InputTokens, usage.CachedInputTokens, usage.CacheWriteTokens, usage.OutputTokens));
        // gpt-4o: 200*2.50 + 1000*1.25 + 30*10.00 per 1M tokens.
        Assert.Equal("0.00205", usage.CostUsd);
    }

    [Fact]
    public async Task A_stream_is_translated_to_anthropic_events_with_the_usage_the_gateway_asked_for()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(MessagesRequests.Create(MessagesRequests.Body("gpt-4o", stream: true), _tenant, _virtualKey,
            traceId), HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var events = MessagesRequests.Events(await response.Content.ReadAsStringAsync());
        Assert.Equal(["message_start", "content_block_start"], events.Take(2).Select(e => e.Name).ToArray());
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], events.TakeLast(3).Select(e => e.Name).ToArray());
        var text = string.Concat(events.Where(e => e.Name == "content_block_delta")
            .Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("delta").GetProperty("text").GetString()));
        Assert.Equal(_provider.Answer, text);
        using (var delta = JsonDocument.Parse(events[^2].Data))
        {
            Assert.Equal("end_turn", delta.RootElement.GetProperty("delta").GetProperty("stop_reason").GetString());
            Assert.Equal((200, 1000, 30), (delta.RootElement.GetProperty("usage").GetProperty("input_tokens").GetInt32(),
                delta.RootElement.GetProperty("usage").GetProperty("cache_read_input_tokens").GetInt32(),
                delta.RootElement.GetProperty("usage").GetProperty("output_tokens").GetInt32()));
        }

        using (var sent = Assert.Single(_provider.Requests).Json())
        {
            Assert.True(sent.RootElement.GetProperty("stream").GetBoolean());
            Assert.True(sent.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        }

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.True(usage.Stream);
        Assert.Equal((200L, 1000L, 30L), (usage.InputTokens, usage.CachedInputTokens, usage.OutputTokens));
        Assert.Equal("0.00205", usage.CostUsd);
    }

    [Fact]
    public async Task Provider_errors_are_reshaped_the_anthropic_way()
    {
        _provider.Error = new FakeError(429, """{"error":{"message":"Rate limit reached.","type":"requests","code":"rate_limit_exceeded"}}""");
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(MessagesRequests.Create(MessagesRequests.Body("gpt-4o", stream: true), _tenant, _virtualKey, traceId));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(("error", "rate_limit_error", "Rate limit reached."), (json.RootElement.GetProperty("type").GetString(),
            json.RootElement.GetProperty("error").GetProperty("type").GetString(), json.RootElement.GetProperty("error").GetProperty("message").GetString()));
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((429, "upstream_429"), (usage.StatusCode, usage.ErrorType));
    }

    [Fact]
    public async Task Count_tokens_is_refused_for_providers_other_than_anthropic_and_still_recorded()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();
        const string body = """{"model":"gpt-4o","messages":[{"role":"user","content":"How many?"}]}""";

        using var response = await client.SendAsync(MessagesRequests.Create(body, _tenant, _virtualKey, traceId, "/v1/messages/count_tokens"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_request_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Contains("only available for provider 'anthropic'", json.RootElement.GetProperty("error").GetProperty("message").GetString(),
            StringComparison.Ordinal);
        Assert.Empty(_provider.Requests);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(("/v1/messages/count_tokens", 400, "count_tokens_unsupported", 0L), (usage.Endpoint, usage.StatusCode, usage.ErrorType, usage.InputTokens));
    }

    [Fact]
    public async Task Content_the_provider_cannot_take_is_refused_before_reaching_it()
    {
        using var client = fixture.Edge.CreateHttpClient();
        const string body = """{"model":"gpt-4o","max_tokens":10,"messages":[{"role":"user","content":[{"type":"document","source":{"type":"text","media_type":"text/plain","data":"x"}}]}]}""";

        using var response = await client.SendAsync(MessagesRequests.Create(body, _tenant, _virtualKey));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("invalid_request_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Empty(_provider.Requests);
    }

    [Fact]
    public async Task A_provider_dropping_the_stream_mid_way_ends_it_with_an_anthropic_error_event()
    {
        _provider.DropAfterFirstChunk = true;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _provider.PauseAfterFirstChunk = gate;
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(MessagesRequests.Create(MessagesRequests.Body("gpt-4o", stream: true), _tenant, _virtualKey,
            traceId), HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var types = new List<string>();
        while (!types.Contains("content_block_delta") && await reader.NextDataAsync() is { } data)
        {
            types.Add(TypeOf(data));
        }

        // The first words reached the client while the provider was still going; now it crashes.
        gate.SetResult();
        var rest = await reader.ReadAllAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("message_start", types[0]);
        Assert.Equal("error", TypeOf(rest[^1]));
        Assert.DoesNotContain("message_stop", rest.Select(TypeOf));
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((200, "upstream_stream_error"), (usage.StatusCode, usage.ErrorType));
    }

    [Fact]
    public async Task A_provider_slower_than_the_request_timeout_gets_an_anthropic_timeout_error()
    {
        _provider.HeadersDelay = TimeSpan.FromSeconds(3);
        using var client = fixture.Edge.CreateHttpClient();
        using var request = MessagesRequests.Create(MessagesRequests.Body("gpt-4o"), _tenant, _virtualKey);
        request.Headers.Add("x-gateway-request-timeout", "200");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("timeout_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task The_mock_provider_answers_anthropic_clients_streaming_and_not()
    {
        var mockKey = (await fixture.CreateVirtualKeyAsync(_tenant, "mock")).Slug;
        using var client = fixture.Edge.CreateHttpClient();

        using (var response = await client.SendAsync(MessagesRequests.Create(MessagesRequests.Body("gpt-4o-mini"), _tenant, mockKey)))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("text", json.RootElement.GetProperty("content")[0].GetProperty("type").GetString());
            Assert.True(json.RootElement.GetProperty("usage").GetProperty("output_tokens").GetInt32() > 0);
        }

        var traceId = ChatRequests.NewTraceId();
        using (var response = await client.SendAsync(MessagesRequests.Create(MessagesRequests.Body("gpt-4o-mini", stream: true), _tenant, mockKey, traceId)))
        {
            var events = MessagesRequests.Events(await response.Content.ReadAsStringAsync());
            Assert.Equal(("message_start", "message_stop"), (events[0].Name, events[^1].Name));
            Assert.Contains(events, e => e.Name == "content_block_delta");
        }

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(("mock", "/v1/messages", true), (usage.Provider, usage.Endpoint, usage.Stream));
        Assert.True(usage.InputTokens > 0 && usage.OutputTokens > 0);
    }

    private static string TypeOf(string data)
    {
        using var json = JsonDocument.Parse(data);
        return json.RootElement.GetProperty("type").GetString()!;
    }
}
