using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Gateway.Contracts.Analytics.V1;
using Gateway.EndToEnd.Tests.Infrastructure;
using Gateway.Testing.Providers;
using OpenAI;
using OpenAI.Chat;

namespace Gateway.EndToEnd.Tests;

/// <summary>One request along the whole path: client -> Edge -> KeyVault -> provider -> usage event -> Analytics ->
/// GetCostRollup, with the usage sent straight to Analytics' ingest RPC (the ./run.sh transport).</summary>
[Collection(GatewaySystemCollection.Name)]
public sealed class ChatCompletionPathTests(GatewaySystemFixture system)
{
    // gpt-4o-mini list prices per 1M tokens: input 0.15, cached input 0.075, output 0.60.
    private static readonly FakeUsage UpstreamUsage = new(PromptTokens: 1000, CompletionTokens: 500, CachedTokens: 200);
    private const decimal ExpectedCost = (800 * 0.15m + 200 * 0.075m + 500 * 0.60m) / 1_000_000m; // 0.000435

    [Fact]
    public async Task Non_streaming_completion_through_the_official_OpenAI_client_is_answered_and_costed_once()
    {
        var tenant = await system.CreateTenantAsync();
        system.Upstream.Usage = UpstreamUsage;
        var client = ChatClientFor(tenant, virtualKey: "upstream");

        ChatCompletion completion = await client.CompleteChatAsync([new UserChatMessage("Say hello")]);

        Assert.Equal(system.Upstream.Answer, completion.Content[0].Text);
        Assert.Equal(1000, completion.Usage.InputTokenCount);
        Assert.Equal(500, completion.Usage.OutputTokenCount);
        var forwarded = system.Upstream.Requests[^1];
        Assert.Equal("Bearer sk-upstream-secret", forwarded.Headers["Authorization"]);

        var row = await SingleModelRowAsync(tenant);
        Assert.Equal(("openai", "gpt-4o-mini", 1L), (row.Provider, row.Model, row.Requests));
        Assert.Equal((800L, 200L, 500L), (row.InputTokens, row.CachedInputTokens, row.OutputTokens));
        Assert.Equal(ExpectedCost, decimal.Parse(row.CostUsd, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Streaming_completion_arrives_as_SSE_without_the_usage_chunk_the_client_did_not_ask_for_yet_is_costed()
    {
        var tenant = await system.CreateTenantAsync();
        system.Upstream.Usage = UpstreamUsage;
        using var http = new HttpClient { BaseAddress = system.DirectEdge };

        var events = await StreamAsync(http, tenant, "upstream",
            """{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Say hello"}]}""");

        Assert.Equal("[DONE]", events[^1]);
        var chunks = events.SkipLast(1).Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.DoesNotContain(chunks, c => c.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object);
        Assert.Equal(system.Upstream.Answer, string.Concat(chunks.Select(ContentOf)));
        using var upstreamBody = system.Upstream.Requests[^1].Json();
        Assert.True(upstreamBody.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean(),
            "the Edge must ask the upstream for usage so that the stream can be costed");

        var row = await SingleModelRowAsync(tenant);
        Assert.Equal((1L, 800L, 200L, 500L), (row.Requests, row.InputTokens, row.CachedInputTokens, row.OutputTokens));
        Assert.Equal(ExpectedCost, decimal.Parse(row.CostUsd, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Streaming_through_the_official_OpenAI_client_reports_usage_it_asked_for()
    {
        var tenant = await system.CreateTenantAsync();
        system.Upstream.Usage = UpstreamUsage;
        var client = ChatClientFor(tenant, virtualKey: "upstream");

        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Say hello")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
        }

        Assert.Equal(system.Upstream.Answer, text.ToString());
        Assert.NotNull(usage);
        Assert.Equal(500, usage.OutputTokenCount);
        var row = await SingleModelRowAsync(tenant);
        Assert.Equal(ExpectedCost, decimal.Parse(row.CostUsd, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Built_in_mock_provider_streams_a_demo_answer_and_is_priced()
    {
        var tenant = await system.CreateTenantAsync();
        using var http = new HttpClient { BaseAddress = system.DirectEdge };
        var upstreamCalls = system.Upstream.Requests.Count;

        var events = await StreamAsync(http, tenant, "mock",
            """{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Hello!"}]}""");

        Assert.Equal("[DONE]", events[^1]);
        Assert.NotEmpty(string.Concat(events.SkipLast(1).Select(e => ContentOf(JsonDocument.Parse(e).RootElement))));
        Assert.Equal(upstreamCalls, system.Upstream.Requests.Count);
        var row = await SingleModelRowAsync(tenant);
        Assert.Equal(("mock", 1L), (row.Provider, row.Requests));
        Assert.True(row.InputTokens > 0 && row.OutputTokens > 0);
        Assert.True(decimal.Parse(row.CostUsd, System.Globalization.CultureInfo.InvariantCulture) > 0m);
    }

    [Fact]
    public async Task Unknown_gateway_key_gets_an_OpenAI_style_401_and_nothing_reaches_the_provider()
    {
        using var http = new HttpClient { BaseAddress = system.DirectEdge };
        var upstreamCalls = system.Upstream.Requests.Count;
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o-mini","messages":[]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "gwk_unknown1_" + new string('x', 32));
        request.Headers.Add("x-gateway-virtual-key", "upstream");

        using var response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.False(string.IsNullOrEmpty(error.RootElement.GetProperty("error").GetProperty("message").GetString()));
        Assert.Equal(upstreamCalls, system.Upstream.Requests.Count);
    }

    private ChatClient ChatClientFor(TestTenant tenant, string virtualKey)
    {
        var options = new OpenAIClientOptions { Endpoint = new Uri(system.DirectEdge, "/v1") };
        options.AddPolicy(new HeaderPolicy("x-gateway-virtual-key", virtualKey), PipelinePosition.PerCall);
        return new ChatClient("gpt-4o-mini", new ApiKeyCredential(tenant.ApiKey), options);
    }

    private async Task<CostRollupRow> SingleModelRowAsync(TestTenant tenant)
    {
        var rollup = await system.WaitForRollupAsync(tenant.Id, r => r.Rows.Count == 1 && r.Rows[0].Requests >= 1);
        return Assert.Single(rollup.Rows);
    }

    /// <summary>Sends a streaming request and returns the data of every SSE event, in order.</summary>
    internal static async Task<List<string>> StreamAsync(HttpClient http, TestTenant tenant, string virtualKey, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tenant.ApiKey);
        request.Headers.Add("x-gateway-virtual-key", virtualKey);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);

        var events = new List<string>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                events.Add(line["data: ".Length..]);
            }
        }

        return events;
    }

    internal static string ContentOf(JsonElement chunk) =>
        chunk.TryGetProperty("choices", out var choices) && choices.GetArrayLength() > 0
        && choices[0].TryGetProperty("delta", out var delta) && delta.TryGetProperty("content", out var content)
        && content.ValueKind == JsonValueKind.String
            ? content.GetString()!
            : "";
}
