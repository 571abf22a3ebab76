extern alias edge;

using System.Diagnostics;
using System.Net;
using System.Text;
using Gateway.Testing.Providers;
using edge::Gateway.Edge.Proxy;

namespace Gateway.Edge.Tests.Hostile;

/// <summary>Invalid answers from a provider (garbage SSE lines, events split anywhere, no <c>[DONE]</c>, non-JSON data,
/// invalid UTF-8, a huge single line, usage of the wrong types): the client gets a stream that ends or a JSON error,
/// never a hang and never a 500, and the gateway logs no unexpected failure.</summary>
[Collection(EdgeCollection.Name)]
public sealed class ProviderGarbageTests(EdgeFixture fixture) : IAsyncLifetime
{
    /// <summary>Far above what a relay of a few megabytes takes, far below the Edge's upstream timeout (20 s) doubled.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(40);

    private HostileEdge _edge = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _edge = await HostileEdge.StartAsync(fixture);
        _client = _edge.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _edge.DisposeAsync();
    }

    public static TheoryData<string> Scripts => [.. GarbageScripts().Select(script => script.Name)];

    [Theory]
    [MemberData(nameof(Scripts))]
    public async Task Garbage_from_the_provider_ends_the_answer_cleanly(string name)
    {
        var parts = GarbageScripts().Single(script => script.Name == name).Parts;
        string[] paths = ["/v1/chat/completions", "/v1/completions", "/v1/messages"];
        foreach (var path in paths)
        {
            foreach (var stream in (bool[])[true, false])
            {
                var before = _edge.OpenAi.Requests.Count;
                _edge.OpenAi.Enqueue(FakeBehavior.RawStream(stream ? "text/event-stream; charset=utf-8" : "application/json", parts));

                var (status, mediaType, body) = await SendAsync(path, stream);

                Assert.Equal(before + 1, _edge.OpenAi.Requests.Count);
                var hostile = new HostileCase(name, "POST", path, null, null, [], Expect.MaySucceed);
                Assert.NotEqual(500, status);
                if (status >= 400)
                {
                    Assert.True(status is 502 or 504 or (>= 400 and < 500), $"{path} stream={stream}: {status}");
                    Assert.Null(HostileSender.Judge(hostile with { Expect = Expect.ClientError }, 400, mediaType, body));
                }
                else
                {
                    Assert.Equal(200, status);
                }
            }
        }

        Assert.Equal(0, _edge.Logs.UnexpectedErrors);
        Assert.Empty(_edge.Logs.Leaks);
        var (okStatus, _, okBody) = await SendAsync("/v1/chat/completions", stream: true);
        Assert.Equal(200, okStatus);
        Assert.Contains("[DONE]", Encoding.UTF8.GetString(okBody), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_event_that_never_ends_is_cut_off_at_the_limit()
    {
        var endless = new byte[SseEvent.MaxEventBytes + 64 * 1024];
        endless.AsSpan().Fill((byte)'z');
        _edge.OpenAi.Enqueue(FakeBehavior.RawStream("text/event-stream", "data: {\"choices\":[{\"delta\":{\"content\":\""u8.ToArray(), endless));

        var (status, mediaType, body) = await SendAsync("/v1/chat/completions", stream: true);

        // Nothing reached the client before the limit, so it is an ordinary 502 rather than a stream's error event.
        Assert.Equal((502, "application/json"), (status, mediaType));
        Assert.Contains("upstream_response_too_large", Encoding.UTF8.GetString(body), StringComparison.Ordinal);
        Assert.Equal(0, _edge.Logs.UnexpectedErrors);
    }

    private async Task<(int Status, string? MediaType, byte[] Body)> SendAsync(string path, bool stream)
    {
        var json = path switch
        {
            "/v1/completions" => $"{{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"{_edge.PromptMarker}\",\"stream\":{(stream ? "true" : "false")}}}",
            "/v1/messages" => $"{{\"model\":\"gpt-4o-mini\",\"max_tokens\":16,\"messages\":[{{\"role\":\"user\",\"content\":\"{_edge.PromptMarker}\"}}],\"stream\":{(stream ? "true" : "false")}}}",
            _ => $"{{\"model\":\"gpt-4o-mini\",\"messages\":[{{\"role\":\"user\",\"content\":\"{_edge.PromptMarker}\"}}],\"stream\":{(stream ? "true" : "false")}}}",
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = new("Bearer", _edge.Tenant.ApiKey);
        request.Headers.Add("x-gateway-virtual-key", _edge.OpenAiKey);
        using var timeout = new CancellationTokenSource(Bound);
        var stopwatch = Stopwatch.StartNew();
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            using var buffer = new MemoryStream();
            try
            {
                await (await response.Content.ReadAsStreamAsync(timeout.Token)).CopyToAsync(buffer, timeout.Token);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException && !timeout.IsCancellationRequested)
            {
                // The Edge aborted a half-sent answer: a terminated stream, which the client sees as an error.
            }

            return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, buffer.ToArray());
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            throw new Xunit.Sdk.XunitException($"{path} stream={stream}: no complete answer after {stopwatch.Elapsed}");
        }
    }

    private static IEnumerable<(string Name, byte[][] Parts)> GarbageScripts()
    {
        static byte[] B(string text) => Encoding.UTF8.GetBytes(text);
        static string Chunk(string content) =>
            "{\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{\"content\":" + content + "},\"finish_reason\":null}]}";

        var valid = "data: " + Chunk("\"h\u00e9llo \U0001F30D\"") + "\n\ndata: " + Chunk("\"world\"") + "\n\ndata: [DONE]\n\n";
        yield return ("garbage lines", [B("data: " + Chunk("\"hi\"") + "\n\nthis is not sse\n\n: comment\n\nevent: weird\n\nretry: abc\nid: \0\n\ndata: [DONE]\n\n")]);
        yield return ("split every 3 bytes", [.. B(valid).Chunk(3)]);
        yield return ("split every byte", [.. B(valid).Chunk(1)]);
        yield return ("missing done and final blank line", [B("data: " + Chunk("\"a\"") + "\n\ndata: " + Chunk("\"b\""))]);
        yield return ("non-json data", [B("data: not json\n\ndata: {broken\n\ndata: [1,2]\n\ndata: \"str\"\n\ndata: null\n\ndata: {}\n\ndata: [DONE]\n\n")]);
        yield return ("huge single line", [B("data: " + Chunk("\"" + new string('x', 1024 * 1024) + "\"") + "\n\ndata: [DONE]\n\n")]);
        yield return ("huge line never ended", [B("data: {\"choices\":[{\"delta\":{\"content\":\"" + new string('y', 2 * 1024 * 1024))]);
        yield return ("invalid utf8 in content", [B("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\""), [0xFF, 0xFE, 0xC3, 0x28], B("\"}}]}\n\ndata: [DONE]\n\n")]);
        yield return ("invalid utf8 in model", [B("data: {\"model\":\""), [0xC0, 0xAF, 0xFF], B("\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"}}]}\n\ndata: [DONE]\n\n")]);
        yield return ("lone surrogate escapes", [B("data: {\"model\":\"\\ud800\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"\\udfff\\ud800\"}}]}\n\ndata: [DONE]\n\n")]);
        yield return ("usage of wrong types", [B("data: " + Chunk("\"a\"") + "\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":{\"a\":[1]},\"completion_tokens\":\"7\",\"prompt_tokens_details\":5,\"completion_tokens_details\":{\"reasoning_tokens\":[]}}}\n\ndata: [DONE]\n\n")]);
        yield return ("usage huge", [B("data: " + Chunk("\"a\"") + "\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":9223372036854775807,\"completion_tokens\":9223372036854775807,\"prompt_tokens_details\":{\"cached_tokens\":9223372036854775807}}}\n\ndata: [DONE]\n\n")]);
        yield return ("usage negative and fractional", [B("data: " + Chunk("\"a\"") + "\n\ndata: {\"choices\":[],\"usage\":{\"prompt_tokens\":-5,\"completion_tokens\":1.5e30,\"completion_tokens_details\":{\"reasoning_tokens\":-1}}}\n\ndata: [DONE]\n\n")]);
        yield return ("multiple data lines", [B("data: {\"choices\":\ndata: []}\n\ndata: a\ndata: b\n\ndata: [DONE]\n\n")]);
        yield return ("carriage returns only", [B("data: " + Chunk("\"a\"") + "\r\rdata: [DONE]\r\r")]);
        yield return ("nul bytes", [B("data: \0\0\0\n\n\0\0\n\ndata: [DONE]\n\n")]);
        yield return ("empty", []);
        yield return ("deep nesting", [B("data: " + new string('[', 10_000) + new string(']', 10_000) + "\n\ndata: {\"choices\":" + new string('[', 5_000) + new string(']', 5_000) + "}\n\ndata: [DONE]\n\n")]);
        yield return ("choices of wrong types", [B("data: {\"choices\":\"x\"}\n\ndata: {\"choices\":[1,null]}\n\ndata: {\"choices\":[{\"delta\":\"x\",\"message\":5}]}\n\ndata: {\"choices\":[{\"index\":\"0\",\"delta\":{\"content\":5,\"role\":[]},\"finish_reason\":7}]}\n\ndata: [DONE]\n\n")]);
        yield return ("json body with garbage", [B("{\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\""), [0xFF], B("\"}}],\"usage\":{\"prompt_tokens\":\"x\"}} trailing")]);
        yield return ("html", [B("<html><body>502 Bad Gateway</body></html>")]);
    }
}
