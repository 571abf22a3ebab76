using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Edge.Tests.Pipeline;
using Gateway.Testing.Providers;
using OpenAI;
using OpenAI.Chat;

namespace Gateway.Edge.Tests.Caching;

/// <summary>Streamed answers are stored once complete and replayed as SSE; either kind of request hits an entry the
/// other kind stored; the replay is what the official OpenAI .NET client parses.</summary>
[Collection(CacheEdgeCollection.Name)]
public sealed class CacheStreamingTests(CacheEdgeFixture fixture) : IAsyncLifetime
{
    private FakeOpenAiServer _provider = null!;
    private TestTenant _tenant = null!;
    private string _virtualKey = "";
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _provider = await FakeOpenAiServer.StartAsync();
        _provider.Answer = "Streamed once, replayed from the cache.";
        _tenant = await fixture.CreateTenantAsync();
        _virtualKey = await fixture.CreateVirtualKeyAsync(_tenant, _provider.BaseUrl);
        _client = fixture.Edge.CreateHttpClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task A_streamed_answer_is_stored_and_a_non_streaming_request_hits_it()
    {
        var question = Guid.NewGuid().ToString("N");
        var streamed = await CacheCall.SendAsync(_client, Request(Body(question, stream: true), ("x-gateway-cache", "true")));
        Assert.Equal(("MISS", "text/event-stream"), (streamed.Cache, streamed.ContentType));

        var hit = await EventuallyHitAsync(Body(question, stream: false));

        Assert.Equal("application/json", hit.ContentType);
        using var json = JsonDocument.Parse(hit.Body);
        Assert.Equal("chat.completion", json.RootElement.GetProperty("object").GetString());
        Assert.Equal(_provider.Answer, json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(12, json.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Single(_provider.Requests);
        var hitEvent = await fixture.Usage.SingleAsync(hit.TraceId);
        Assert.Equal((false, "HIT", "0.000006"), (hitEvent.Stream, hitEvent.CacheStatus, hitEvent.SavedCostUsd));
    }

    [Fact]
    public async Task A_non_streamed_answer_is_replayed_as_sse_with_the_usage_chunk_only_when_asked()
    {
        var question = Guid.NewGuid().ToString("N");
        var stored = await CacheCall.SendAsync(_client, Request(Body(question, stream: false), ("x-gateway-cache", "true")));
        Assert.Equal("MISS", stored.Cache);

        var withoutUsage = await EventuallyHitAsync(Body(question, stream: true));
        var withUsage = await CacheCall.SendAsync(_client, Request(Body(question, stream: true, includeUsage: true), ("x-gateway-cache", "true")));

        Assert.Equal("text/event-stream", withoutUsage.ContentType);
        var events = Events(withoutUsage.Body);
        Assert.Equal(_provider.Answer, SseReader.Content(events));
        Assert.Equal("[DONE]", events[^1]);
        Assert.DoesNotContain(events, SseReader.IsUsageOnlyChunk);

        Assert.Equal("HIT", withUsage.Cache);
        var usageChunk = Assert.Single(Events(withUsage.Body), SseReader.IsUsageOnlyChunk);
        using var usage = JsonDocument.Parse(usageChunk);
        Assert.Equal(7, usage.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Single(_provider.Requests);
        Assert.True((await fixture.Usage.SingleAsync(withUsage.TraceId)).Stream);
    }

    [Fact]
    public async Task The_official_openai_client_parses_a_replayed_stream()
    {
        var question = Guid.NewGuid().ToString("N");
        var client = ChatClient();
        List<ChatMessage> messages = [new SystemChatMessage("Be brief."), new UserChatMessage(question)];

        var first = new StringBuilder();
        await foreach (var update in client.CompleteChatStreamingAsync(messages))
        {
            first.Append(string.Concat(update.ContentUpdate.Select(part => part.Text)));
        }

        Assert.Equal(_provider.Answer, first.ToString());
        await CacheCall.EventuallyAsync(() => fixture.CacheClient.FlightsInProgress == 0, "The entry was never stored.");

        var replayed = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        var options = new ChatCompletionOptions();
        await foreach (var update in client.CompleteChatStreamingAsync(messages, options))
        {
            replayed.Append(string.Concat(update.ContentUpdate.Select(part => part.Text)));
            finish ??= update.FinishReason;
            usage ??= update.Usage;
        }

        Assert.Equal(_provider.Answer, replayed.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        // The client asks for the usage chunk (stream_options.include_usage): the replay carries the stored counts.
        Assert.Equal((12, 7), (usage?.InputTokenCount, usage?.OutputTokenCount));
        Assert.Single(_provider.Requests);

        var completion = await client.CompleteChatAsync(messages);
        Assert.Equal(_provider.Answer, completion.Value.Content[0].Text);
        Assert.Single(_provider.Requests);
    }

    private ChatClient ChatClient()
    {
        var options = new OpenAIClientOptions { Endpoint = new Uri(fixture.Edge.HttpAddress, "/v1") };
        options.AddPolicy(new GatewayHeaderPolicy("x-gateway-virtual-key", _virtualKey), PipelinePosition.PerCall);
        options.AddPolicy(new GatewayHeaderPolicy("x-gateway-cache", "true"), PipelinePosition.PerCall);
        return new ChatClient("gpt-4o-mini", new ApiKeyCredential(_tenant.ApiKey), options);
    }

    /// <summary>The entry is written off the request path; until it lands an identical request may still be waiting
    /// on the first one or miss, so poll (bounded).</summary>
    private async Task<CacheCall> EventuallyHitAsync(string body)
    {
        await CacheCall.EventuallyAsync(() => fixture.CacheClient.FlightsInProgress == 0, "The entry was never stored.");
        var hit = await CacheCall.SendAsync(_client, Request(body, ("x-gateway-cache", "true")));
        Assert.Equal((HttpStatusCode.OK, "HIT"), (hit.Status, hit.Cache));
        return hit;
    }

    private HttpRequestMessage Request(string body, params (string Name, string Value)[] headers) =>
        CacheEdgeFixture.Request(body, _tenant, _virtualKey, headers);

    private static string Body(string question, bool stream, bool? includeUsage = null) =>
        ChatRequests.Body(stream: stream, includeUsage: includeUsage).Replace("Say hello to the gateway", question, StringComparison.Ordinal);

    private static List<string> Events(string sse) =>
        [.. sse.Split("\n\n", StringSplitOptions.RemoveEmptyEntries).Select(block => block.Trim()["data:".Length..].Trim())];
}
