using System.Net;
using System.Text.Json;
using Gateway.Testing;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.ChatCompletions;

/// <summary>Provider failures: passed through with status and body, or turned into clear gateway errors; always recorded.</summary>
[Collection(EdgeCollection.Name)]
public sealed class UpstreamErrorTests(EdgeFixture fixture) : IAsyncLifetime
{
    private FakeOpenAiServer _provider = null!;
    private TestTenant _tenant = null!;
    private string _virtualKey = "";

    public async Task InitializeAsync()
    {
        _provider = await FakeOpenAiServer.StartAsync();
        _tenant = await fixture.CreateTenantAsync();
        _virtualKey = (await fixture.CreateVirtualKeyAsync(_tenant, "openai", _provider.BaseUrl)).Slug;
    }

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Rate_limit_is_passed_through_with_status_body_and_retry_after(bool stream)
    {
        const string Body = """{"error":{"message":"Rate limit reached for gpt-4o-mini","type":"requests","param":null,"code":"rate_limit_exceeded"}}""";
        _provider.Error = new FakeError(429, Body, Headers: new Dictionary<string, string> { ["retry-after"] = "7" });
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(stream: stream), _tenant, _virtualKey, traceId));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal(Body, await response.Content.ReadAsStringAsync());
        Assert.Equal("7", Assert.Single(response.Headers.GetValues("retry-after")));
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((429, "upstream_429", stream), (usage.StatusCode, usage.ErrorType, usage.Stream));
        Assert.Equal(429, Assert.Single(usage.Attempts).StatusCode);
        Assert.Equal("0", usage.CostUsd);
    }

    [Fact]
    public async Task Non_json_provider_error_is_wrapped_in_an_openai_error()
    {
        _provider.Error = new FakeError(500, "<html>Internal Server Error</html>", "text/html");
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(), _tenant, _virtualKey, traceId));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("upstream_error", error.GetProperty("type").GetString());
        Assert.Contains("Internal Server Error", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal((500, "upstream_500"), ((await fixture.Usage.SingleAsync(traceId)).StatusCode, (await fixture.Usage.SingleAsync(traceId)).ErrorType));
    }

    [Fact]
    public async Task Provider_failing_mid_stream_ends_the_stream_with_an_error_event()
    {
        _provider.Answer = "one two three";
        _provider.DropAfterFirstChunk = true;
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _provider.PauseAfterFirstChunk = gate;
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(stream: true), _tenant, _virtualKey, traceId),
            HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var received = new List<string> { (await reader.NextDataAsync())!, (await reader.NextDataAsync())! };
        gate.SetResult();
        var rest = await reader.ReadAllAsync().WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("one ", SseReader.Content(received));
        Assert.Equal("upstream_stream_error", ErrorCode(Assert.Single(rest)));
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((200, "upstream_stream_error"), (usage.StatusCode, usage.ErrorType));
    }

    [Fact]
    public async Task Unreachable_provider_is_502()
    {
        var deadKey = (await fixture.CreateVirtualKeyAsync(_tenant, "openai", $"http://127.0.0.1:{FreePort.Next()}/v1")).Slug;
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(), _tenant, deadKey, traceId));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal("upstream_unreachable", ErrorCode(await response.Content.ReadAsStringAsync()));
        Assert.Equal((502, "upstream_unreachable"), ((await fixture.Usage.SingleAsync(traceId)).StatusCode, (await fixture.Usage.SingleAsync(traceId)).ErrorType));
    }

    [Fact]
    public async Task Provider_that_does_not_answer_in_time_is_504()
    {
        _provider.HeadersDelay = TimeSpan.FromMinutes(1);
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(), _tenant, _virtualKey, traceId));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.Equal("upstream_timeout", ErrorCode(await response.Content.ReadAsStringAsync()));
        Assert.Equal(504, (await fixture.Usage.SingleAsync(traceId)).StatusCode);
    }

    [Fact]
    public async Task KeyVault_down_is_503_with_a_clear_error()
    {
        var recorder = new CapturingUsageRecorder();
        await using var edge = fixture.StartEdge(new Uri($"http://127.0.0.1:{FreePort.Next()}"), recorder,
            new Dictionary<string, string?> { ["Edge:DependencyTimeout"] = "00:00:01" });
        using var client = edge.CreateHttpClient();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(), _tenant, _virtualKey));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("keyvault_unavailable", ErrorCode(await response.Content.ReadAsStringAsync()));
        Assert.Empty(_provider.Requests);
    }

    private static string ErrorCode(string body)
    {
        using var json = JsonDocument.Parse(body);
        return json.RootElement.GetProperty("error").GetProperty("code").GetString()!;
    }
}
