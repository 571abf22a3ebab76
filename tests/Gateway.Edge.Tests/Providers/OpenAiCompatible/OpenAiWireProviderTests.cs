using System.Net;
using System.Text.Json;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Providers.OpenAiCompatible;

/// <summary>Every OpenAI-wire provider through the real Edge, each with the fake upstream laid out like the real one
/// (the virtual key's base URL carries the provider's path prefix).</summary>
[Collection(EdgeCollection.Name)]
public sealed class OpenAiWireProviderTests(EdgeFixture fixture) : IAsyncLifetime
{
    private FakeOpenAiServer _upstream = null!;
    private TestTenant _tenant = null!;

    /// <summary>Provider, the path its real base URL has, and whether the gateway asks it for the stream usage chunk.</summary>
    public static TheoryData<string, string, bool> Providers => new()
    {
        { "openai", "/v1", true },
        { "mistral", "/v1", false },
        { "xai", "/v1", true },
        { "groq", "/openai/v1", true },
        { "deepseek", "", true },
        { "gemini", "/v1beta/openai", false },
        { "openai-compatible", "/v1", true },
    };

    public static TheoryData<string, string> ProviderPaths => new()
    {
        { "openai", "/v1" },
        { "mistral", "/v1" },
        { "xai", "/v1" },
        { "groq", "/openai/v1" },
        { "deepseek", "" },
        { "gemini", "/v1beta/openai" },
        { "openai-compatible", "/v1" },
    };

    public async Task InitializeAsync()
    {
        _upstream = await FakeOpenAiServer.StartAsync();
        _upstream.Usage = new FakeUsage(PromptTokens: 1000, CompletionTokens: 500, CachedTokens: 200, ReasoningTokens: 40);
        _tenant = await fixture.CreateTenantAsync();
    }

    public async Task DisposeAsync() => await _upstream.DisposeAsync();

    [Theory]
    [MemberData(nameof(ProviderPaths))]
    public async Task Non_streaming_request_reaches_the_provider_with_its_path_and_bearer_key(string provider, string prefix)
    {
        var key = await ProviderKeys.CreateAsync(fixture, _tenant, provider, _upstream.Root() + prefix, credential: $"key-for-{provider}");
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();
        var body = ChatRequests.Body("some-model");

        using var response = await client.SendAsync(ChatRequests.Create(body, _tenant, key.Slug, traceId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(_upstream.Answer, json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());

        var upstream = Assert.Single(_upstream.Requests);
        Assert.Equal(prefix + "/chat/completions", upstream.Path);
        Assert.Equal($"Bearer key-for-{provider}", upstream.Headers["Authorization"]);
        Assert.Equal(body, upstream.BodyText);

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((provider, "some-model", 200, ""), (usage.Provider, usage.Model, usage.StatusCode, usage.ErrorType));
        Assert.Equal((800L, 200L, 500L, 40L), (usage.InputTokens, usage.CachedInputTokens, usage.OutputTokens, usage.ReasoningTokens));
        Assert.Equal(200, Assert.Single(usage.Attempts).StatusCode);
    }

    [Theory]
    [MemberData(nameof(Providers))]
    public async Task Streaming_is_relayed_and_billed_with_stream_options_only_where_the_provider_accepts_them(
        string provider, string prefix, bool requestsStreamUsage)
    {
        // Providers that reject stream_options report usage on their finish chunk instead.
        _upstream.UsageInFinishChunk = !requestsStreamUsage;
        var key = await ProviderKeys.CreateAsync(fixture, _tenant, provider, _upstream.Root() + prefix);
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();
        var body = ChatRequests.Body("some-model", stream: true);

        using var response = await client.SendAsync(ChatRequests.Create(body, _tenant, key.Slug, traceId), HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var events = await reader.ReadAllAsync();
        Assert.Equal(_upstream.Answer, SseReader.Content(events));
        Assert.Equal("[DONE]", events[^1]);
        Assert.DoesNotContain(events, SseReader.IsUsageOnlyChunk);

        var upstream = Assert.Single(_upstream.Requests);
        Assert.Equal(prefix + "/chat/completions", upstream.Path);
        if (requestsStreamUsage)
        {
            using var sent = upstream.Json();
            Assert.True(sent.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        }
        else
        {
            Assert.Equal(body, upstream.BodyText);
        }

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((provider, true, 200), (usage.Provider, usage.Stream, usage.StatusCode));
        Assert.Equal((800L, 200L, 500L), (usage.InputTokens, usage.CachedInputTokens, usage.OutputTokens));
    }

    [Fact]
    public async Task A_virtual_key_can_turn_the_stream_usage_request_off_for_a_server_that_rejects_it()
    {
        _upstream.UsageInFinishChunk = true;
        var key = await ProviderKeys.CreateAsync(fixture, _tenant, "openai-compatible", _upstream.BaseUrl,
            new Dictionary<string, string> { ["stream_usage"] = "false" });
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();
        var body = ChatRequests.Body("llama3.1", stream: true);

        using var response = await client.SendAsync(ChatRequests.Create(body, _tenant, key.Slug, traceId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, Assert.Single(_upstream.Requests).BodyText);
        Assert.Equal(500L, (await fixture.Usage.SingleAsync(traceId)).OutputTokens);
    }

    [Fact]
    public async Task Openai_compatible_key_without_a_base_url_is_a_configuration_error_and_nothing_is_sent()
    {
        var key = await ProviderKeys.CreateAsync(fixture, _tenant, "openai-compatible", baseUrl: "");
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(), _tenant, key.Slug, traceId));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("configuration_error", error.GetProperty("type").GetString());
        Assert.Equal("virtual_key_misconfigured", error.GetProperty("code").GetString());
        Assert.Contains("base_url", error.GetProperty("message").GetString());

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(("openai-compatible", 422, "virtual_key_misconfigured"), (usage.Provider, usage.StatusCode, usage.ErrorType));
        Assert.Empty(usage.Attempts);
    }

    [Fact]
    public async Task Gemini_is_priced_with_the_google_rows_of_the_price_table()
    {
        var key = await ProviderKeys.CreateAsync(fixture, _tenant, "gemini", _upstream.Root() + "/v1beta/openai");
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body("gemini-2.5-flash"), _tenant, key.Slug, traceId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal("gemini", usage.Provider);
        Assert.True(usage.Priced);
        // gemini-2.5-flash list price: 800*0.30 + 200*0.075 + 500*2.50 per 1M tokens.
        Assert.Equal("0.001505", usage.CostUsd);
    }
}
