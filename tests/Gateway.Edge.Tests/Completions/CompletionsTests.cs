using System.Net;
using System.Text.Json;
using Gateway.Edge.Tests.Pipeline;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Completions;

[Collection(EdgeCollection.Name)]
public sealed class CompletionsTests(EdgeFixture fixture) : IAsyncLifetime
{
    private const string Path = "/v1/completions";

    private FakeOpenAiServer _provider = null!;
    private TestTenant _tenant = null!;
    private string _virtualKey = "";

    public async Task InitializeAsync()
    {
        _provider = await FakeOpenAiServer.StartAsync();
        _provider.Answer = "Once upon a time.";
        _provider.Usage = new FakeUsage(PromptTokens: 1000, CompletionTokens: 500);
        _tenant = await fixture.CreateTenantAsync();
        _virtualKey = (await fixture.CreateVirtualKeyAsync(_tenant, "openai", _provider.BaseUrl, credential: "sk-upstream-secret")).Slug;
    }

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    [Fact]
    public async Task Non_streaming_request_is_forwarded_unchanged_and_billed()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();
        const string body = """{"model":"gpt-4o-mini","prompt":"Once upon","max_tokens":5}""";

        using var response = await client.SendAsync(EdgeRequests.Create(HttpMethod.Post, Path, _tenant, _virtualKey, traceId, body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = Assert.Single(_provider.Requests);
        Assert.Equal("/v1/completions", upstream.Path);
        Assert.Equal(body, upstream.BodyText);
        Assert.Equal("Bearer sk-upstream-secret", upstream.Headers["Authorization"]);

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(("openai", "gpt-4o-mini", Path, false), (usage.Provider, usage.Model, usage.Endpoint, usage.Stream));
        Assert.Equal((1000L, 500L), (usage.InputTokens, usage.OutputTokens));
        // gpt-4o-mini: 1000*0.15 + 500*0.60 per 1M tokens.
        Assert.Equal("0.00045", usage.CostUsd);
    }

    [Fact]
    public async Task Streaming_asks_upstream_for_usage_and_strips_it_when_the_client_did_not()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();
        const string body = """{"model":"gpt-4o-mini","prompt":"Once upon","stream":true}""";

        using var response = await client.SendAsync(EdgeRequests.Create(HttpMethod.Post, Path, _tenant, _virtualKey, traceId, body),
            HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var events = await reader.ReadAllAsync();
        Assert.Equal("[DONE]", events[^1]);
        Assert.DoesNotContain(events, SseReader.IsUsageOnlyChunk);
        using var upstreamBody = Assert.Single(_provider.Requests).Json();
        Assert.True(upstreamBody.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((true, 1000L, 500L), (usage.Stream, usage.InputTokens, usage.OutputTokens));
    }

    [Fact]
    public async Task Streaming_with_include_usage_false_still_bills_and_keeps_the_client_answer_without_usage()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();
        const string body = """{"model":"gpt-4o-mini","stream_options":{"include_usage":false},"prompt":"x","stream":true}""";

        using var response = await client.SendAsync(EdgeRequests.Create(HttpMethod.Post, Path, _tenant, _virtualKey, traceId, body),
            HttpCompletionOption.ResponseHeadersRead);

        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        Assert.DoesNotContain(await reader.ReadAllAsync(), SseReader.IsUsageOnlyChunk);
        Assert.Equal("""{"model":"gpt-4o-mini","stream_options":{"include_usage":true},"prompt":"x","stream":true}""",
            Assert.Single(_provider.Requests).BodyText);
        Assert.Equal(1000L, (await fixture.Usage.SingleAsync(traceId)).InputTokens);
    }

    [Fact]
    public async Task Mock_answers_text_completions_streamed_and_not()
    {
        var mockKey = (await fixture.CreateVirtualKeyAsync(_tenant, "mock")).Slug;
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(EdgeRequests.Create(HttpMethod.Post, Path, _tenant, mockKey, traceId,
            """{"model":"gpt-4o-mini","prompt":"Twelve chars"}"""));

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("text_completion", json.RootElement.GetProperty("object").GetString());
        var text = json.RootElement.GetProperty("choices")[0].GetProperty("text").GetString()!;
        Assert.Contains("mock", text, StringComparison.Ordinal);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(("mock", 3L), (usage.Provider, usage.InputTokens));
        Assert.Equal(json.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt64(), usage.OutputTokens);

        var streamTrace = ChatRequests.NewTraceId();
        using var streamed = await client.SendAsync(EdgeRequests.Create(HttpMethod.Post, Path, _tenant, mockKey, streamTrace,
            """{"model":"gpt-4o-mini","prompt":"Twelve chars","stream":true,"stream_options":{"include_usage":true}}"""),
            HttpCompletionOption.ResponseHeadersRead);
        using var reader = new SseReader(await streamed.Content.ReadAsStreamAsync());
        var events = await reader.ReadAllAsync();
        var concatenated = string.Concat(events.Where(e => e != "[DONE]").Select(e => JsonDocument.Parse(e).RootElement.GetProperty("choices"))
            .Where(c => c.GetArrayLength() > 0).Select(c => c[0].GetProperty("text").GetString()));
        Assert.Equal(text, concatenated);
        Assert.Contains(events, SseReader.IsUsageOnlyChunk);
        var streamedUsage = await fixture.Usage.SingleAsync(streamTrace);
        Assert.Equal((true, 3L, usage.OutputTokens), (streamedUsage.Stream, streamedUsage.InputTokens, streamedUsage.OutputTokens));
        Assert.Empty(_provider.Requests);
    }

    [Fact]
    public async Task Anthropic_has_no_text_completions()
    {
        var anthropicKey = (await fixture.CreateVirtualKeyAsync(_tenant, "anthropic")).Slug;
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(EdgeRequests.Create(HttpMethod.Post, Path, _tenant, anthropicKey, ChatRequests.NewTraceId(),
            """{"model":"claude-sonnet-4-5","prompt":"x"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("anthropic", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Missing_prompt_and_missing_key_are_refused()
    {
        using var client = fixture.Edge.CreateHttpClient();

        using var noPrompt = await client.SendAsync(EdgeRequests.Create(HttpMethod.Post, Path, _tenant, _virtualKey, ChatRequests.NewTraceId(),
            """{"model":"gpt-4o-mini"}"""));
        using var noKey = await client.SendAsync(EdgeRequests.Create(HttpMethod.Post, Path, null, _virtualKey, ChatRequests.NewTraceId(),
            """{"model":"gpt-4o-mini","prompt":"x"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, noPrompt.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, noKey.StatusCode);
        Assert.Empty(_provider.Requests);
    }
}
