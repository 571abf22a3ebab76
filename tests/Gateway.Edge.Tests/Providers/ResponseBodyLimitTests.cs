extern alias edge;

using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Providers;

/// <summary>Providers:Http:MaxResponseBodyBytes: a provider's non-streamed body past the limit (or never ending) fails
/// that attempt like a provider fault — a JSON 502 <c>upstream_response_too_large</c>, fallback as for other faults,
/// the failure in the usage event — after the Edge has read at most the limit and one read more; an event stream whose
/// one event never ends is cut off the same way.</summary>
[Collection(EdgeCollection.Name)]
public sealed class ResponseBodyLimitTests(EdgeFixture fixture) : IAsyncLifetime
{
    private const int Limit = 256 * 1024;
    private const string TooLarge = "upstream_response_too_large";
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);

    private readonly CapturingUsageRecorder _usage = new();
    private Gateway.Testing.ServiceHost<edge::Program> _edge = null!;
    private HttpClient _client = null!;
    private TestTenant _tenant = null!;

    public async Task InitializeAsync()
    {
        _edge = fixture.StartEdge(fixture.KeyVaultGrpcAddress, _usage, new()
        {
            ["Providers:Http:MaxResponseBodyBytes"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        _client = _edge.CreateHttpClient();
        _client.Timeout = Bound;
        _tenant = await fixture.CreateTenantAsync();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _edge.DisposeAsync();
    }

    [Theory]
    [InlineData("openai")]
    [InlineData("anthropic")]
    public async Task An_endless_body_fails_with_a_json_502_after_the_limit_and_the_edge_keeps_serving(string provider)
    {
        await using var upstream = OversizedUpstream.Endless("application/json", "{\"id\":\"x\",\"content\":\"");
        var slug = (await fixture.CreateVirtualKeyAsync(_tenant, provider, upstream.BaseUrl)).Slug;
        var traceId = ChatRequests.NewTraceId();

        using var response = await _client.SendAsync(ChatRequests.Create(ChatRequests.Body(), _tenant, slug, traceId));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(("upstream_error", TooLarge), await ErrorAsync(response));
        var usage = await _usage.SingleAsync(traceId);
        Assert.Equal((502, TooLarge), (usage.StatusCode, usage.ErrorType));
        Assert.Equal(TooLarge, Assert.Single(usage.Attempts).ErrorType);
        // The Edge stopped reading and closed the connection: what the provider got out is the limit plus what the
        // socket buffers took, and it no longer grows.
        await WaitForAsync(() => upstream.ClosedByClient == 1, "the Edge to close the endless answer");
        var sent = upstream.Sent;
        await Task.Delay(200);
        Assert.Equal(sent, upstream.Sent);
        Assert.True(sent < 64L * 1024 * 1024, $"the provider sent {sent} bytes");

        await using var healthy = await FakeOpenAiServer.StartAsync();
        var healthySlug = (await fixture.CreateVirtualKeyAsync(_tenant, "openai", healthy.BaseUrl)).Slug;
        using var next = await _client.SendAsync(ChatRequests.Create(ChatRequests.Body(), _tenant, healthySlug));
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
    }

    [Fact]
    public async Task A_body_just_past_the_limit_falls_back_to_the_next_target()
    {
        await using var upstream = OversizedUpstream.Fixed("application/json", Completion(Limit + 1));
        await using var healthy = await FakeOpenAiServer.StartAsync();
        var first = (await fixture.CreateVirtualKeyAsync(_tenant, "openai", upstream.BaseUrl)).Slug;
        var second = (await fixture.CreateVirtualKeyAsync(_tenant, "openai", healthy.BaseUrl)).Slug;
        var traceId = ChatRequests.NewTraceId();
        using var request = ChatRequests.Create(ChatRequests.Body(), _tenant, null, traceId);
        request.Headers.Add("x-gateway-config", """{"strategy":{"mode":"fallback"},"targets":[{"virtual_key":"""
            + $"\"{first}\"}},{{\"virtual_key\":\"{second}\"}}]}}");

        using var response = await _client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(healthy.Requests);
        var usage = await _usage.SingleAsync(traceId);
        Assert.Equal((200, ""), (usage.StatusCode, usage.ErrorType));
        Assert.Equal([TooLarge, ""], usage.Attempts.Select(a => a.ErrorType));
    }

    [Fact]
    public async Task A_body_within_the_limit_is_relayed_whole()
    {
        var body = Completion(Limit);
        await using var upstream = OversizedUpstream.Fixed("application/json", body);
        var slug = (await fixture.CreateVirtualKeyAsync(_tenant, "openai", upstream.BaseUrl)).Slug;

        using var response = await _client.SendAsync(ChatRequests.Create(ChatRequests.Body(), _tenant, slug));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(body, await response.Content.ReadAsByteArrayAsync());
    }

    /// <summary>Anthropic streams are translated (chat completions) or read for usage (messages) event by event: an
    /// event that never ends must not grow their buffer either.</summary>
    [Theory]
    [InlineData("/v1/chat/completions")]
    [InlineData("/v1/messages")]
    public async Task An_anthropic_event_that_never_ends_is_cut_off(string path)
    {
        await using var upstream = OversizedUpstream.Endless("text/event-stream", "event: message_start\ndata: {\"type\":\"message_start\",\"x\":\"");
        var slug = (await fixture.CreateVirtualKeyAsync(_tenant, "anthropic", upstream.BaseUrl)).Slug;
        var json = path == "/v1/messages"
            ? """{"model":"claude-3-5-haiku-latest","max_tokens":16,"messages":[{"role":"user","content":"hi"}],"stream":true}"""
            : ChatRequests.Body("claude-3-5-haiku-latest", stream: true);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", _tenant.ApiKey);
        request.Headers.Add("x-gateway-virtual-key", slug);

        using var response = await _client.SendAsync(request);

        // Nothing complete reached the client before the limit, so it is a JSON 502 rather than a stream's error event.
        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        // Anthropic-shaped errors (the messages endpoint) carry a type and message but no code.
        Assert.Contains(path == "/v1/messages" ? "server-sent event longer than the gateway" : TooLarge,
            await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await WaitForAsync(() => upstream.ClosedByClient == 1, "the Edge to close the endless stream");
    }

    /// <summary>A valid chat completion of exactly <paramref name="size"/> bytes (the padding is its content).</summary>
    private static byte[] Completion(int size)
    {
        const string Head = """{"id":"chatcmpl-big","object":"chat.completion","created":1,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":" """;
        const string Tail = """ "},"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":5,"total_tokens":8}}""";
        return Encoding.UTF8.GetBytes(Head.TrimEnd() + new string('x', size - Head.TrimEnd().Length - Tail.TrimStart().Length) + Tail.TrimStart());
    }

    private static async Task<(string? Type, string? Code)> ErrorAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        return (error.GetProperty("type").GetString(), error.GetProperty("code").GetString());
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Waited too long for {what}.");
            await Task.Delay(20);
        }
    }
}
