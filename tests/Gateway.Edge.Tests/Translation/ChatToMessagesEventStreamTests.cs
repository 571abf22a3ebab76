extern alias edge;

using System.Text;
using System.Text.Json;
using edge::Gateway.Edge.Pricing;
using edge::Gateway.Edge.Translation;

namespace Gateway.Edge.Tests.Translation;

public sealed class ChatToMessagesEventStreamTests
{
    private const string Head = """
        data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}

        data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"Hello, \"quoted\" "},"finish_reason":null}]}

        data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"content":"w\u00f6rld"},"finish_reason":null}]}


        """;

    private const string Tool = """
        data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":""}}]},"finish_reason":null}]}

        data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"city\": \"Pa"}}]},"finish_reason":null}]}

        data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ris\"}"}}]},"finish_reason":null}]}


        """;

    private static string Tail(string finishReason) => """
        data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[{"index":0,"delta":{},"finish_reason":"FINISH"}]}

        data: {"id":"chatcmpl-9","object":"chat.completion.chunk","created":1,"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":1100,"completion_tokens":20,"total_tokens":1120,"prompt_tokens_details":{"cached_tokens":1000}}}

        data: [DONE]


        """.Replace("FINISH", finishReason, StringComparison.Ordinal);

    [Fact]
    public async Task Text_chunks_become_a_text_block_between_message_start_and_a_message_delta_with_the_whole_usage()
    {
        var (events, usage) = await TranslateAsync(Head + Tail("stop"));

        Assert.Equal(["message_start", "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop", "message_delta", "message_stop"],
            events.Select(e => e.Name).ToArray());
        Assert.All(events, e => Assert.Equal(e.Name, e.Data.RootElement.GetProperty("type").GetString()));
        var message = events[0].Data.RootElement.GetProperty("message");
        Assert.Equal(("chatcmpl-9", "gpt-4o", "assistant"), (message.GetProperty("id").GetString(), message.GetProperty("model").GetString(),
            message.GetProperty("role").GetString()));
        Assert.Equal("Hello, \"quoted\" wörld", string.Concat(events.Where(e => e.Name == "content_block_delta")
            .Select(e => e.Data.RootElement.GetProperty("delta").GetProperty("text").GetString())));
        var delta = events[5].Data.RootElement;
        Assert.Equal("end_turn", delta.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal((100, 1000, 20), (delta.GetProperty("usage").GetProperty("input_tokens").GetInt32(),
            delta.GetProperty("usage").GetProperty("cache_read_input_tokens").GetInt32(), delta.GetProperty("usage").GetProperty("output_tokens").GetInt32()));
        Assert.Equal(new TokenUsage(100, 1000, 0, 20, 0), usage);
    }

    [Fact]
    public async Task Tool_call_chunks_become_a_tool_use_block_with_input_json_deltas_after_the_text_block()
    {
        var (events, _) = await TranslateAsync(Head + Tool + Tail("tool_calls"));

        var starts = events.Where(e => e.Name == "content_block_start").Select(e => e.Data.RootElement).ToList();
        Assert.Equal([0, 1], starts.Select(s => s.GetProperty("index").GetInt32()).ToArray());
        var toolUse = starts[1].GetProperty("content_block");
        Assert.Equal(("tool_use", "call_1", "get_weather"), (toolUse.GetProperty("type").GetString(), toolUse.GetProperty("id").GetString(),
            toolUse.GetProperty("name").GetString()));
        var input = string.Concat(events.Where(e => e.Name == "content_block_delta" && e.Data.RootElement.GetProperty("index").GetInt32() == 1)
            .Select(e => e.Data.RootElement.GetProperty("delta").GetProperty("partial_json").GetString()));
        using (var parsed = JsonDocument.Parse(input))
        {
            Assert.Equal("Paris", parsed.RootElement.GetProperty("city").GetString());
        }

        Assert.Equal(2, events.Count(e => e.Name == "content_block_stop"));
        Assert.Equal("tool_use", events.Single(e => e.Name == "message_delta").Data.RootElement.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal("message_stop", events[^1].Name);
    }

    [Fact]
    public async Task A_stream_cut_before_it_finished_ends_with_an_error_event()
    {
        var (events, _) = await TranslateAsync(Head);

        Assert.Equal("error", events[^1].Name);
        Assert.Equal("api_error", events[^1].Data.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.DoesNotContain(events, e => e.Name == "message_stop");
    }

    [Fact]
    public async Task An_error_chunk_becomes_an_error_event_with_its_message()
    {
        var (events, _) = await TranslateAsync(Head + "data: {\"error\":{\"message\":\"Overloaded.\",\"type\":\"server_error\"}}\n\n");

        Assert.Equal("error", events[^1].Name);
        Assert.Equal("Overloaded.", events[^1].Data.RootElement.GetProperty("error").GetProperty("message").GetString());
    }

    private static async Task<(List<(string Name, JsonDocument Data)> Events, TokenUsage? Usage)> TranslateAsync(string openAi)
    {
        await using var stream = new ChatToMessagesEventStream(new MemoryStream(Encoding.UTF8.GetBytes(openAi)));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        var events = new List<(string, JsonDocument)>();
        foreach (var block in text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            var lines = block.Split('\n');
            Assert.StartsWith("event: ", lines[0], StringComparison.Ordinal);
            Assert.StartsWith("data: ", lines[1], StringComparison.Ordinal);
            events.Add((lines[0]["event: ".Length..], JsonDocument.Parse(lines[1]["data: ".Length..])));
        }

        return (events, stream.NativeUsage);
    }
}
