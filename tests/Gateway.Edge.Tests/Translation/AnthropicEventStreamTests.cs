extern alias edge;

using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using edge::Gateway.Edge.Pricing;
using edge::Gateway.Edge.Translation;

namespace Gateway.Edge.Tests.Translation;

public sealed class AnthropicEventStreamTests
{
    private const string MessageStart = """
        event: message_start
        data: {"type":"message_start","message":{"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":100,"cache_creation_input_tokens":50,"cache_read_input_tokens":1000,"output_tokens":1}}}


        """;

    private const string TextBlock = """
        event: content_block_start
        data: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}

        event: ping
        data: {"type": "ping"}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello, \"quoted\" "}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"w\u00f6rld \ud83c\udf0d"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":0}


        """;

    private const string ToolBlock = """
        event: content_block_start
        data: {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"get_weather","input":{}}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"city\": \"Pa"}}

        event: content_block_delta
        data: {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"ris\"}"}}

        event: content_block_stop
        data: {"type":"content_block_stop","index":1}


        """;

    private static string MessageEnd(string stopReason) => """
        event: message_delta
        data: {"type":"message_delta","delta":{"stop_reason":"STOP_REASON","stop_sequence":null},"usage":{"output_tokens":20}}

        event: message_stop
        data: {"type":"message_stop"}


        """.Replace("STOP_REASON", stopReason, StringComparison.Ordinal);

    [Fact]
    public async Task Text_stream_becomes_role_content_and_finish_chunks_without_usage_unless_asked()
    {
        using var stream = new AnthropicEventStream(Source(MessageStart + TextBlock + MessageEnd("end_turn")), includeUsage: false);

        var events = await ReadEventsAsync(stream);

        Assert.Equal("[DONE]", events[^1]);
        var chunks = Chunks(events);
        Assert.All(chunks, c => Assert.Equal(("msg_1", "chat.completion.chunk", "claude-sonnet-4-5"),
            (c.GetProperty("id").GetString(), c.GetProperty("object").GetString(), c.GetProperty("model").GetString())));
        Assert.Equal("assistant", Delta(chunks[0]).GetProperty("role").GetString());
        Assert.Equal("Hello, \"quoted\" wörld 🌍", SseReader.Content(events));
        Assert.Equal("stop", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.DoesNotContain(events, SseReader.IsUsageOnlyChunk);
        Assert.Equal(new TokenUsage(Input: 100, CachedInput: 1000, CacheWrite: 50, Output: 20, Reasoning: 0), stream.NativeUsage);
    }

    [Fact]
    public async Task Usage_chunk_comes_before_done_when_the_client_asked()
    {
        using var stream = new AnthropicEventStream(Source(MessageStart + TextBlock + MessageEnd("max_tokens")), includeUsage: true);

        var events = await ReadEventsAsync(stream);

        Assert.Equal("[DONE]", events[^1]);
        Assert.True(SseReader.IsUsageOnlyChunk(events[^2]));
        using var usageChunk = JsonDocument.Parse(events[^2]);
        var usage = usageChunk.RootElement.GetProperty("usage");
        Assert.Equal((1150, 20, 1170), (usage.GetProperty("prompt_tokens").GetInt32(), usage.GetProperty("completion_tokens").GetInt32(),
            usage.GetProperty("total_tokens").GetInt32()));
        Assert.Equal(1000, usage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        using var finish = JsonDocument.Parse(events[^3]);
        Assert.Equal("length", finish.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Tool_use_stream_becomes_tool_call_deltas()
    {
        using var stream = new AnthropicEventStream(Source(MessageStart + TextBlock + ToolBlock + MessageEnd("tool_use")), includeUsage: false);

        var chunks = Chunks(await ReadEventsAsync(stream));

        var toolDeltas = chunks.Select(Delta).Where(d => d.TryGetProperty("tool_calls", out _))
            .Select(d => Assert.Single(d.GetProperty("tool_calls").EnumerateArray())).ToList();
        var first = toolDeltas[0];
        Assert.Equal((0, "toolu_1", "function", "get_weather"), (first.GetProperty("index").GetInt32(), first.GetProperty("id").GetString(),
            first.GetProperty("type").GetString(), first.GetProperty("function").GetProperty("name").GetString()));
        Assert.All(toolDeltas.Skip(1), d =>
        {
            Assert.Equal(0, d.GetProperty("index").GetInt32());
            Assert.False(d.TryGetProperty("id", out _));
        });
        var arguments = string.Concat(toolDeltas.Select(d => d.GetProperty("function").GetProperty("arguments").GetString()));
        Assert.Equal("{\"city\": \"Paris\"}", arguments);
        Assert.Equal("tool_calls", chunks[^1].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Fact]
    public async Task Events_are_translated_as_they_arrive()
    {
        var pipe = new Pipe();
        using var stream = new AnthropicEventStream(pipe.Reader.AsStream(), includeUsage: false);
        var buffer = new byte[16 * 1024];

        await pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(MessageStart));
        var read = await stream.ReadAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        var first = Encoding.UTF8.GetString(buffer, 0, read);

        Assert.StartsWith("data: {", first, StringComparison.Ordinal);
        Assert.Contains("\"role\":\"assistant\"", first, StringComparison.Ordinal);
        await pipe.Writer.CompleteAsync();
    }

    [Fact]
    public async Task Events_split_across_reads_are_translated_whole()
    {
        using var stream = new AnthropicEventStream(new OneByteStream(Encoding.UTF8.GetBytes(MessageStart + TextBlock + MessageEnd("end_turn"))),
            includeUsage: false);

        var events = await ReadEventsAsync(stream);

        Assert.Equal("Hello, \"quoted\" wörld 🌍", SseReader.Content(events));
        Assert.Equal("[DONE]", events[^1]);
    }

    [Fact]
    public async Task Error_event_ends_the_stream_with_an_openai_error()
    {
        const string error = """
            event: error
            data: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}


            """;
        using var stream = new AnthropicEventStream(Source(MessageStart + error + TextBlock), includeUsage: false);

        var events = await ReadEventsAsync(stream);

        Assert.Equal(2, events.Count);
        using var json = JsonDocument.Parse(events[^1]);
        Assert.Equal(("Overloaded", "overloaded_error"),
            (json.RootElement.GetProperty("error").GetProperty("message").GetString(), json.RootElement.GetProperty("error").GetProperty("type").GetString()));
        Assert.Equal(new TokenUsage(100, 1000, 50, 1, 0), stream.NativeUsage);
    }

    [Fact]
    public async Task A_stream_cut_before_message_stop_ends_with_an_error_not_done()
    {
        using var stream = new AnthropicEventStream(Source(MessageStart + TextBlock), includeUsage: false);

        var events = await ReadEventsAsync(stream);

        Assert.DoesNotContain("[DONE]", events);
        using var json = JsonDocument.Parse(events[^1]);
        Assert.Equal("upstream_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    private static MemoryStream Source(string sse) => new(Encoding.UTF8.GetBytes(sse.ReplaceLineEndings("\n")));

    private static async Task<List<string>> ReadEventsAsync(Stream stream)
    {
        using var reader = new SseReader(stream);
        return await reader.ReadAllAsync();
    }

    private static List<JsonElement> Chunks(List<string> events) =>
        [.. events.Where(e => e != "[DONE]").Select(e => JsonDocument.Parse(e).RootElement)];

    private static JsonElement Delta(JsonElement chunk) => chunk.GetProperty("choices")[0].GetProperty("delta");

    /// <summary>Hands out one byte per read, as a slow network might.</summary>
    private sealed class OneByteStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }
}
