extern alias edge;

using System.Net;
using System.Text.Json;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Providers.Anthropic;

/// <summary>OpenAI-format clients using an <c>anthropic</c> virtual key, through the real Edge to a fake Anthropic.</summary>
[Collection(EdgeCollection.Name)]
public sealed class AnthropicProviderTests(EdgeFixture fixture) : IAsyncLifetime
{
    private const string Credential = "sk-ant-upstream-secret";

    private FakeAnthropicServer _provider = null!;
    private TestTenant _tenant = null!;
    private string _virtualKey = "";

    public async Task InitializeAsync()
    {
        _provider = await FakeAnthropicServer.StartAsync();
        _provider.Answer = "Hello gateway, nice to meet you.";
        _provider.Usage = new FakeAnthropicUsage(InputTokens: 1000, OutputTokens: 300, CacheReadTokens: 2000, CacheWriteTokens: 500);
        _tenant = await fixture.CreateTenantAsync();
        _virtualKey = (await fixture.CreateVirtualKeyAsync(_tenant, "anthropic", _provider.BaseUrl, Credential)).Slug;
    }

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    [Fact]
    public async Task Non_streaming_request_is_translated_both_ways_and_billed_with_cache_writes()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body("claude-sonnet-4-5"), _tenant, _virtualKey, traceId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType!.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var root = json.RootElement;
        Assert.Equal("chat.completion", root.GetProperty("object").GetString());
        var choice = root.GetProperty("choices")[0];
        Assert.Equal(_provider.Answer, choice.GetProperty("message").GetProperty("content").GetString());
        Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());
        Assert.Equal(3500, root.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(2000, root.GetProperty("usage").GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());

        var upstream = Assert.Single(_provider.Requests);
        Assert.Equal("/v1/messages", upstream.Path);
        Assert.Equal(Credential, upstream.Headers["x-api-key"]);
        Assert.Equal("2023-06-01", upstream.Headers["anthropic-version"]);
        Assert.False(upstream.Headers.ContainsKey("Authorization"));
        using var sent = upstream.Json();
        var body = sent.RootElement;
        Assert.Equal("claude-sonnet-4-5", body.GetProperty("model").GetString());
        Assert.Equal(4096, body.GetProperty("max_tokens").GetInt32());
        Assert.Equal("Be brief.", body.GetProperty("system")[0].GetProperty("text").GetString());
        var message = Assert.Single(body.GetProperty("messages").EnumerateArray());
        Assert.Equal(("user", "Say hello to the gateway"), (message.GetProperty("role").GetString(), message.GetProperty("content").GetString()));
        Assert.Equal(0.2, body.GetProperty("temperature").GetDouble());

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(("anthropic", "claude-sonnet-4-5", false, 200, ""), (usage.Provider, usage.Model, usage.Stream, usage.StatusCode, usage.ErrorType));
        Assert.Equal((1000L, 2000L, 500L, 300L), (usage.InputTokens, usage.CachedInputTokens, usage.CacheWriteTokens, usage.OutputTokens));
        // claude-sonnet-4-5: 1000*3.00 + 2000*0.30 + 500*3.75 + 300*15.00 per 1M tokens.
        Assert.Equal("0.009975", usage.CostUsd);
        Assert.True(usage.Priced);
    }

    [Fact]
    public async Task Streaming_is_translated_to_openai_chunks_and_billed_exactly_without_a_usage_chunk()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body("claude-sonnet-4-5-20250929", stream: true), _tenant,
            _virtualKey, traceId), HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var events = await reader.ReadAllAsync();
        Assert.Equal(_provider.Answer, SseReader.Content(events));
        Assert.Equal("[DONE]", events[^1]);
        Assert.DoesNotContain(events, SseReader.IsUsageOnlyChunk);
        using (var finish = JsonDocument.Parse(events[^2]))
        {
            Assert.Equal("stop", finish.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        }

        using (var sent = Assert.Single(_provider.Requests).Json())
        {
            Assert.True(sent.RootElement.GetProperty("stream").GetBoolean());
            Assert.False(sent.RootElement.TryGetProperty("stream_options", out _));
        }

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.True(usage.Stream);
        Assert.Equal((1000L, 2000L, 500L, 300L), (usage.InputTokens, usage.CachedInputTokens, usage.CacheWriteTokens, usage.OutputTokens));
        Assert.Equal("0.009975", usage.CostUsd);
    }

    [Fact]
    public async Task Streaming_with_include_usage_ends_with_the_usage_chunk()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body("claude-sonnet-4-5", stream: true, includeUsage: true),
            _tenant, _virtualKey, traceId), HttpCompletionOption.ResponseHeadersRead);

        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var events = await reader.ReadAllAsync();
        Assert.Equal("[DONE]", events[^1]);
        Assert.True(SseReader.IsUsageOnlyChunk(events[^2]));
        using var chunk = JsonDocument.Parse(events[^2]);
        Assert.Equal(3500, chunk.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(300, chunk.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((1000L, 2000L, 500L, 300L), (usage.InputTokens, usage.CachedInputTokens, usage.CacheWriteTokens, usage.OutputTokens));
    }

    [Fact]
    public async Task Tool_calls_round_trip_through_the_translation()
    {
        _provider.Answer = "";
        _provider.ToolUse = new FakeToolUse("toolu_01", "get_weather", """{"city":"Paris","unit":"celsius"}""");
        using var client = fixture.Edge.CreateHttpClient();
        const string body = """
            {"model":"claude-sonnet-4-5","max_tokens":256,"messages":[{"role":"user","content":"Weather in Paris?"}],
             "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}],
             "tool_choice":"required"}
            """;

        using var response = await client.SendAsync(ChatRequests.Create(body, _tenant, _virtualKey));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var choice = json.RootElement.GetProperty("choices")[0];
        Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        var call = Assert.Single(choice.GetProperty("message").GetProperty("tool_calls").EnumerateArray());
        Assert.Equal("get_weather", call.GetProperty("function").GetProperty("name").GetString());
        using var arguments = JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!);
        Assert.Equal("Paris", arguments.RootElement.GetProperty("city").GetString());

        using var sent = Assert.Single(_provider.Requests).Json();
        Assert.Equal(256, sent.RootElement.GetProperty("max_tokens").GetInt32());
        Assert.Equal("any", sent.RootElement.GetProperty("tool_choice").GetProperty("type").GetString());
        Assert.Equal("get_weather", sent.RootElement.GetProperty("tools")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task Anthropic_errors_reach_the_client_in_openai_shape_with_their_status()
    {
        _provider.Error = new FakeError(429, FakeAnthropicServer.ErrorBody("rate_limit_error", "Slow down."));
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body("claude-sonnet-4-5", stream: true), _tenant, _virtualKey, traceId));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(("Slow down.", "rate_limit_error"), (error.GetProperty("message").GetString(), error.GetProperty("type").GetString()));
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((429, "upstream_429"), (usage.StatusCode, usage.ErrorType));
    }

    [Fact]
    public async Task A_mid_stream_error_event_ends_the_client_stream_with_an_error_and_bills_what_was_reported()
    {
        _provider.StreamErrorType = "overloaded_error";
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body("claude-sonnet-4-5", stream: true), _tenant,
            _virtualKey, traceId), HttpCompletionOption.ResponseHeadersRead);

        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var events = await reader.ReadAllAsync();
        Assert.DoesNotContain("[DONE]", events);
        using var json = JsonDocument.Parse(events[^1]);
        Assert.Equal("overloaded_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
        var usage = await fixture.Usage.SingleAsync(traceId);
        // message_start reported the input side and one output token before the failure.
        Assert.Equal((1000L, 2000L, 500L, 1L), (usage.InputTokens, usage.CachedInputTokens, usage.CacheWriteTokens, usage.OutputTokens));
    }

    [Theory]
    [InlineData("x-gateway-forward-headers")]
    [InlineData("x-portkey-forward-headers")]
    public async Task Forward_headers_reach_anthropic_but_never_replace_its_credential_or_version(string header)
    {
        using var client = fixture.Edge.CreateHttpClient();
        using var request = ChatRequests.Create(ChatRequests.Body("claude-sonnet-4-5"), _tenant, _virtualKey);
        request.Headers.TryAddWithoutValidation(header, "x-team-id, anthropic-version, x-not-sent");
        request.Headers.TryAddWithoutValidation("x-team-id", "t-9");
        request.Headers.TryAddWithoutValidation("anthropic-version", "2099-01-01");
        request.Headers.TryAddWithoutValidation("x-other", "stays");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = Assert.Single(_provider.Requests);
        Assert.Equal("t-9", upstream.Headers["x-team-id"]);
        Assert.Equal((Credential, "2023-06-01"), (upstream.Headers["x-api-key"], upstream.Headers["anthropic-version"]));
        Assert.False(upstream.Headers.ContainsKey("x-other"));
        Assert.False(upstream.Headers.ContainsKey("x-not-sent"));
        Assert.False(upstream.Headers.ContainsKey(header));
    }

    [Theory]
    [InlineData("https://api.anthropic.com", "https://api.anthropic.com/v1/messages")]
    [InlineData("https://api.anthropic.com/", "https://api.anthropic.com/v1/messages")]
    [InlineData("https://proxy.example.com/anthropic/v1", "https://proxy.example.com/anthropic/v1/messages")]
    public void Base_urls_with_or_without_v1_reach_the_messages_endpoint(string baseUrl, string expected) =>
        Assert.Equal(expected, edge::Gateway.Edge.Providers.Anthropic.AnthropicProvider.MessagesUri(baseUrl)!.ToString());

    [Fact]
    public async Task Requests_anthropic_cannot_answer_are_refused_before_reaching_it()
    {
        using var client = fixture.Edge.CreateHttpClient();
        const string body = """{"model":"claude-sonnet-4-5","n":3,"messages":[{"role":"user","content":"Hi"}]}""";

        using var response = await client.SendAsync(ChatRequests.Create(body, _tenant, _virtualKey));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("unsupported_parameter", json.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Empty(_provider.Requests);
    }
}
