using System.Diagnostics;
using System.Net;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Routing;

/// <summary>Fallback mode: which failures move on to the next target, what the client and the usage event see.</summary>
[Collection(EdgeCollection.Name)]
public sealed class FallbackTests(EdgeFixture fixture) : IAsyncLifetime
{
    private RoutingHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await RoutingHarness.StartAsync(fixture);

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Server_error_falls_back_and_the_failed_attempt_leaves_no_headers()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var (b, slugB) = await _harness.ProviderAsync();
        a.Enqueue(FakeBehavior.Status(503, headers: new Dictionary<string, string> { ["x-ratelimit-remaining-requests"] = "0", ["retry-after"] = "3" }));
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(_harness.Chat(RoutingHarness.Fallback(slugA, slugB), traceId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Hello from the fake", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(response.Headers.Contains("x-ratelimit-remaining-requests"));
        Assert.False(response.Headers.Contains("retry-after"));
        Assert.Equal(traceId, Assert.Single(response.Headers.GetValues("x-gateway-trace-id")));
        Assert.Equal("2", Assert.Single(response.Headers.GetValues("x-gateway-attempts")));
        Assert.Single(a.Requests);
        Assert.Single(b.Requests);

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((200, ""), (usage.StatusCode, usage.ErrorType));
        Assert.Equal([(503, "upstream_503"), (200, "")], usage.Attempts.Select(t => (t.StatusCode, t.ErrorType)));
        Assert.All(usage.Attempts, attempt => Assert.Equal(("openai", "gpt-4o-mini"), (attempt.Provider, attempt.Model)));
        Assert.Equal(12, usage.InputTokens);
    }

    [Fact]
    public async Task Client_error_does_not_fall_back_and_is_passed_through()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var (b, slugB) = await _harness.ProviderAsync();
        const string Body = """{"error":{"message":"bad request","type":"invalid_request_error","code":"bad"}}""";
        a.Enqueue(FakeBehavior.Status(400, Body));
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(_harness.Chat(RoutingHarness.Fallback(slugA, slugB), traceId));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(Body, await response.Content.ReadAsStringAsync());
        Assert.Empty(b.Requests);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((400, "upstream_400"), (usage.StatusCode, usage.ErrorType));
        Assert.Single(usage.Attempts);
    }

    [Fact]
    public async Task Listed_status_codes_replace_the_defaults()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var (b, slugB) = await _harness.ProviderAsync();
        var config = $$"""{"strategy":{"mode":"fallback","on_status_codes":[400]},"targets":[{"virtual_key":"{{slugA}}"},{"virtual_key":"{{slugB}}"}]}""";
        a.Enqueue(FakeBehavior.Status(400), FakeBehavior.Status(500));
        using var client = fixture.Edge.CreateHttpClient();

        using var first = await client.SendAsync(_harness.Chat(config, ChatRequests.NewTraceId()));
        using var second = await client.SendAsync(_harness.Chat(config, ChatRequests.NewTraceId()));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, second.StatusCode);
        Assert.Single(b.Requests);
    }

    [Fact]
    public async Task Rate_limit_falls_back_at_once()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var (b, slugB) = await _harness.ProviderAsync();
        a.Enqueue(FakeBehavior.RateLimited(30));
        using var client = fixture.Edge.CreateHttpClient();
        var watch = Stopwatch.StartNew();

        using var response = await client.SendAsync(_harness.Chat(RoutingHarness.Fallback(slugA, slugB), ChatRequests.NewTraceId()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(10), $"took {watch.Elapsed}");
        Assert.Single(b.Requests);
    }

    [Fact]
    public async Task Timeout_of_an_attempt_falls_back()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var (b, slugB) = await _harness.ProviderAsync();
        a.Enqueue(FakeBehavior.Hang);
        var config = $$"""{"request_timeout":300,"strategy":{"mode":"fallback"},"targets":[{"virtual_key":"{{slugA}}"},{"virtual_key":"{{slugB}}"}]}""";
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();
        var watch = Stopwatch.StartNew();

        using var response = await client.SendAsync(_harness.Chat(config, traceId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // Without the attempt timeout the hang would have used up the Edge's whole 5 s upstream timeout.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(4.5), $"took {watch.Elapsed}");
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(["upstream_timeout", ""], usage.Attempts.Select(t => t.ErrorType));
        Assert.True(usage.Attempts[0].LatencyUs >= 250_000, $"first attempt took {usage.Attempts[0].LatencyUs} us");
    }

    [Fact]
    public async Task Connection_reset_falls_back()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var (b, slugB) = await _harness.ProviderAsync();
        a.Enqueue(FakeBehavior.Reset);
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(_harness.Chat(RoutingHarness.Fallback(slugA, slugB), traceId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(b.Requests);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(2, usage.Attempts.Count);
        Assert.Contains(usage.Attempts[0].ErrorType, new[] { "upstream_unreachable", "upstream_stream_error" });
    }

    [Fact]
    public async Task When_every_target_fails_the_last_provider_error_is_relayed_as_it_came()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var (b, slugB) = await _harness.ProviderAsync();
        const string Last = """{"error":{"message":"b is down","type":"server_error","code":"b_down"}}""";
        a.Enqueue(FakeBehavior.Status(500));
        b.Enqueue(FakeBehavior.Status(502, Last, new Dictionary<string, string> { ["x-request-id"] = "req-b" }));
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(_harness.Chat(RoutingHarness.Fallback(slugA, slugB), traceId));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(Last, await response.Content.ReadAsStringAsync());
        Assert.Equal("req-b", Assert.Single(response.Headers.GetValues("x-request-id")));
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((502, "upstream_502"), (usage.StatusCode, usage.ErrorType));
        Assert.Equal([500, 502], usage.Attempts.Select(t => t.StatusCode));
    }

    [Fact]
    public async Task Every_target_timing_out_is_a_gateway_504()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var (b, slugB) = await _harness.ProviderAsync();
        a.Enqueue(FakeBehavior.Hang);
        b.Enqueue(FakeBehavior.Hang);
        var config = $$"""{"request_timeout":200,"strategy":{"mode":"fallback"},"targets":[{"virtual_key":"{{slugA}}"},{"virtual_key":"{{slugB}}"}]}""";
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(_harness.Chat(config, ChatRequests.NewTraceId()));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream_timeout", await RoutingHarness.ErrorCodeAsync(response));
    }

    [Fact]
    public async Task Embeddings_and_messages_fall_back_too()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var (b, slugB) = await _harness.ProviderAsync();
        a.Enqueue(FakeBehavior.Status(503), FakeBehavior.Status(503));
        var config = RoutingHarness.Fallback(slugA, slugB);
        using var client = fixture.Edge.CreateHttpClient();

        using var embeddings = await client.SendAsync(RoutingHarness.Post(_harness.Tenant, "/v1/embeddings", config, ChatRequests.NewTraceId(),
            """{"model":"text-embedding-3-small","input":"hello"}"""));
        using var messages = await client.SendAsync(RoutingHarness.Post(_harness.Tenant, "/v1/messages", config, ChatRequests.NewTraceId(),
            """{"model":"gpt-4o-mini","max_tokens":50,"messages":[{"role":"user","content":"hello"}]}"""));

        Assert.Equal(HttpStatusCode.OK, embeddings.StatusCode);
        Assert.Contains("\"embedding\"", await embeddings.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, messages.StatusCode);
        Assert.Contains("\"type\":\"message\"", await messages.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(2, b.Requests.Count);
    }
}
