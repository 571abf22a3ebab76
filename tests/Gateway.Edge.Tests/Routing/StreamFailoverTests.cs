using System.Net;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Routing;

/// <summary>Streams fail over only until the first byte reached the client.</summary>
[Collection(EdgeCollection.Name)]
public sealed class StreamFailoverTests(EdgeFixture fixture) : IAsyncLifetime
{
    private RoutingHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await RoutingHarness.StartAsync(fixture);

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Stream_dying_before_its_first_event_fails_over()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var (b, slugB) = await _harness.ProviderAsync();
        a.Enqueue(FakeBehavior.StreamDiesBeforeFirstEvent);
        b.Answer = "from b";
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(_harness.Chat(RoutingHarness.Fallback(slugA, slugB), traceId, ChatRequests.Body(stream: true)),
            HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var events = await reader.ReadAllAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("from b", SseReader.Content(events));
        Assert.Equal("[DONE]", events[^1]);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(new[] { "upstream_stream_error", "" }, usage.Attempts.Select(t => t.ErrorType));
        Assert.Equal((200, ""), (usage.StatusCode, usage.ErrorType));
    }

    [Fact]
    public async Task Slow_first_byte_past_the_attempt_timeout_fails_over()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var (b, slugB) = await _harness.ProviderAsync();
        a.Enqueue(FakeBehavior.SlowFirstByte(TimeSpan.FromSeconds(10)));
        var config = $$"""{"request_timeout":400,"strategy":{"mode":"fallback"},"targets":[{"virtual_key":"{{slugA}}"},{"virtual_key":"{{slugB}}"}]}""";
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(_harness.Chat(config, ChatRequests.NewTraceId(), ChatRequests.Body(stream: true)),
            HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var events = await reader.ReadAllAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("Hello from the fake OpenAI server.", SseReader.Content(events));
        Assert.Single(b.Requests);
    }

    [Fact]
    public async Task Stream_failing_after_its_first_byte_does_not_fail_over()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var (b, slugB) = await _harness.ProviderAsync();
        a.Answer = "one two three";
        a.DropAfterFirstChunk = true;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        a.PauseAfterFirstChunk = gate;
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(_harness.Chat(RoutingHarness.Fallback(slugA, slugB), traceId, ChatRequests.Body(stream: true)),
            HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var events = new List<string> { (await reader.NextDataAsync())!, (await reader.NextDataAsync())! };
        gate.SetResult();
        events.AddRange(await reader.ReadAllAsync().WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Contains(events, e => e.Contains("upstream_stream_error", StringComparison.Ordinal));
        Assert.Empty(b.Requests);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((200, "upstream_stream_error"), (usage.StatusCode, usage.ErrorType));
        Assert.Single(usage.Attempts);
    }
}
