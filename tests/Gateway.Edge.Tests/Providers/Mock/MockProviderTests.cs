using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Gateway.Edge.Tests.Providers.Mock;

/// <summary>The built-in mock provider through the whole Edge: no network call, realistic usage, priced.</summary>
[Collection(EdgeCollection.Name)]
public sealed class MockProviderTests(EdgeFixture fixture) : IAsyncLifetime
{
    private TestTenant _tenant = null!;
    private string _virtualKey = "";

    public async Task InitializeAsync()
    {
        _tenant = await fixture.CreateTenantAsync();
        _virtualKey = (await fixture.CreateVirtualKeyAsync(_tenant, "mock", credential: "unused")).Slug;
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Non_streaming_answer_has_usage_and_is_priced_as_mock_1()
    {
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body("mock-1"), _tenant, _virtualKey, traceId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Contains("mock provider", json.RootElement.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString(), StringComparison.Ordinal);
        var prompt = json.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt64();
        var completion = json.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt64();
        Assert.InRange(prompt, 10, 40);
        Assert.InRange(completion, 20, 80);

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(("mock", "mock-1", 200), (usage.Provider, usage.Model, usage.StatusCode));
        Assert.Equal((prompt, completion), (usage.InputTokens, usage.OutputTokens));
        Assert.True(usage.Priced);
        Assert.Equal((prompt * 0.15m + completion * 0.60m) / 1_000_000m, decimal.Parse(usage.CostUsd, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Streaming_answer_arrives_in_word_chunks_with_usage_when_asked()
    {
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body("gpt-4o-mini", stream: true, includeUsage: true), _tenant, _virtualKey, traceId),
            HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var events = await reader.ReadAllAsync();
        Assert.True(events.Count > 10);
        Assert.Contains("mock provider", SseReader.Content(events), StringComparison.Ordinal);
        Assert.Single(events, SseReader.IsUsageOnlyChunk);

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.True(usage.Stream && usage.Priced && usage.OutputTokens > 0);
    }

    [Fact]
    public async Task Streaming_without_include_usage_strips_the_usage_chunk_but_still_bills()
    {
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body("mock-1", stream: true), _tenant, _virtualKey, traceId),
            HttpCompletionOption.ResponseHeadersRead);

        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var events = await reader.ReadAllAsync();
        Assert.DoesNotContain(events, SseReader.IsUsageOnlyChunk);
        Assert.Equal("[DONE]", events[^1]);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.True(usage.InputTokens > 0 && usage.OutputTokens > 0);
        Assert.NotEqual("0", usage.CostUsd);
    }
}
