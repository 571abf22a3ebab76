using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Messages;

/// <summary>Anthropic-format clients on <c>/v1/messages</c> with an <c>anthropic</c> virtual key: forwarded natively
/// to a fake Anthropic, usage read from the answer.</summary>
[Collection(EdgeCollection.Name)]
public sealed class MessagesNativeTests(EdgeFixture fixture) : IAsyncLifetime
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
    public async Task A_message_is_forwarded_byte_for_byte_with_the_gateway_credential_and_version_and_billed_with_cache_counts()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();
        var body = MessagesRequests.Body("claude-sonnet-4-5");

        using var response = await client.SendAsync(MessagesRequests.Create(body, _tenant, _virtualKey, traceId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(traceId, response.Headers.GetValues("x-gateway-trace-id").Single());
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("message", json.RootElement.GetProperty("type").GetString());
        Assert.Equal(_provider.Answer, json.RootElement.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(2000, json.RootElement.GetProperty("usage").GetProperty("cache_read_input_tokens").GetInt32());

        var upstream = Assert.Single(_provider.Requests);
        Assert.Equal("/v1/messages", upstream.Path);
        Assert.Equal(body, Encoding.UTF8.GetString(upstream.Body));
        Assert.Equal(Credential, upstream.Headers["x-api-key"]);
        Assert.Equal("2023-06-01", upstream.Headers["anthropic-version"]);

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(("anthropic", "claude-sonnet-4-5", "/v1/messages", false, 200, ""),
            (usage.Provider, usage.Model, usage.Endpoint, usage.Stream, usage.StatusCode, usage.ErrorType));
        Assert.Equal((1000L, 2000L, 500L, 300L), (usage.InputTokens, usage.CachedInputTokens, usage.CacheWriteTokens, usage.OutputTokens));
        // claude-sonnet-4-5: 1000*3.00 + 2000*0.30 + 500*3.75 + 300*15.00 per 1M tokens.
        Assert.Equal("0.009975", usage.CostUsd);
    }

    [Fact]
    public async Task A_stream_is_relayed_event_for_event_and_billed_from_message_start_and_message_delta()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(MessagesRequests.Create(MessagesRequests.Body("claude-sonnet-4-5", stream: true), _tenant,
            _virtualKey, traceId), HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        var events = MessagesRequests.Events(await response.Content.ReadAsStringAsync());
        Assert.Equal("message_start", events[0].Name);
        Assert.Equal(("message_delta", "message_stop"), (events[^2].Name, events[^1].Name));
        Assert.Contains(events, e => e.Name == "ping");
        var text = string.Concat(events.Where(e => e.Name == "content_block_delta")
            .Select(e => JsonDocument.Parse(e.Data).RootElement.GetProperty("delta").GetProperty("text").GetString()));
        Assert.Equal(_provider.Answer, text);

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.True(usage.Stream);
        Assert.Equal((1000L, 2000L, 500L, 300L), (usage.InputTokens, usage.CachedInputTokens, usage.CacheWriteTokens, usage.OutputTokens));
        Assert.Equal("0.009975", usage.CostUsd);
    }

    [Fact]
    public async Task Provider_errors_pass_through_in_anthropic_shape_with_their_status_and_retry_hint()
    {
        _provider.Error = new FakeError(429, FakeAnthropicServer.ErrorBody("rate_limit_error", "Slow down."),
            Headers: new Dictionary<string, string> { ["retry-after"] = "7" });
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(MessagesRequests.Create(MessagesRequests.Body("claude-sonnet-4-5"), _tenant, _virtualKey, traceId));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("7", response.Headers.GetValues("retry-after").Single());
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("error", json.RootElement.GetProperty("type").GetString());
        Assert.Equal(("rate_limit_error", "Slow down."), (json.RootElement.GetProperty("error").GetProperty("type").GetString(),
            json.RootElement.GetProperty("error").GetProperty("message").GetString()));
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((429, "upstream_429"), (usage.StatusCode, usage.ErrorType));
    }

    [Fact]
    public async Task Count_tokens_is_forwarded_natively_and_recorded_without_tokens()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();
        const string body = """{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"How many tokens is this?"}]}""";

        using var response = await client.SendAsync(MessagesRequests.Create(body, _tenant, _virtualKey, traceId, "/v1/messages/count_tokens"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(_provider.CountedTokens, json.RootElement.GetProperty("input_tokens").GetInt32());
        var upstream = Assert.Single(_provider.Requests);
        Assert.Equal("/v1/messages/count_tokens", upstream.Path);
        Assert.Equal(body, Encoding.UTF8.GetString(upstream.Body));
        Assert.Equal(("2023-06-01", Credential), (upstream.Headers["anthropic-version"], upstream.Headers["x-api-key"]));

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(("/v1/messages/count_tokens", 200, 0L, 0L), (usage.Endpoint, usage.StatusCode, usage.InputTokens, usage.OutputTokens));
        Assert.Equal("0", usage.CostUsd);
    }

    [Fact]
    public async Task A_mid_stream_error_event_reaches_the_client_and_what_was_reported_is_billed()
    {
        _provider.StreamErrorType = "overloaded_error";
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(MessagesRequests.Create(MessagesRequests.Body("claude-sonnet-4-5", stream: true), _tenant,
            _virtualKey, traceId), HttpCompletionOption.ResponseHeadersRead);

        var events = MessagesRequests.Events(await response.Content.ReadAsStringAsync());
        Assert.Equal("error", events[^1].Name);
        using var json = JsonDocument.Parse(events[^1].Data);
        Assert.Equal("overloaded_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
        var usage = await fixture.Usage.SingleAsync(traceId);
        // message_start reported the input side and one output token before the failure.
        Assert.Equal((1000L, 2000L, 500L, 1L), (usage.InputTokens, usage.CachedInputTokens, usage.CacheWriteTokens, usage.OutputTokens));
    }

    [Fact]
    public async Task The_clients_anthropic_beta_header_is_forwarded_but_its_version_is_not()
    {
        using var client = fixture.Edge.CreateHttpClient();
        using var request = MessagesRequests.Create(MessagesRequests.Body("claude-sonnet-4-5"), _tenant, _virtualKey);
        request.Headers.Add("anthropic-beta", "token-efficient-tools-2025-02-19");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = Assert.Single(_provider.Requests);
        Assert.Equal(("token-efficient-tools-2025-02-19", "2023-06-01"), (upstream.Headers["anthropic-beta"], upstream.Headers["anthropic-version"]));
    }

    [Fact]
    public async Task Forward_headers_reach_anthropic_natively_but_never_replace_its_credential()
    {
        using var client = fixture.Edge.CreateHttpClient();
        using var request = MessagesRequests.Create(MessagesRequests.Body("claude-sonnet-4-5"), _tenant, _virtualKey);
        request.Headers.TryAddWithoutValidation("x-gateway-forward-headers", "x-team-id");
        request.Headers.TryAddWithoutValidation("x-team-id", "t-9");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = Assert.Single(_provider.Requests);
        Assert.Equal(("t-9", Credential), (upstream.Headers["x-team-id"], upstream.Headers["x-api-key"]));
    }
}
