extern alias edge;

using System.Buffers;
using System.Text;
using System.Text.Json;
using edge::Gateway.Edge.Pricing;
using edge::Gateway.Edge.Proxy;
using edge::Gateway.Edge.Translation;

namespace Gateway.Edge.Tests.Translation;

public sealed class AnthropicResponseTranslatorTests
{
    [Fact]
    public void Text_message_becomes_a_chat_completion_with_openai_usage()
    {
        var (json, usage) = TranslateMessage("""
            {"id":"msg_1","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929",
             "content":[{"type":"text","text":"Hello "},{"type":"text","text":"there."}],
             "stop_reason":"end_turn","stop_sequence":null,
             "usage":{"input_tokens":100,"cache_creation_input_tokens":50,"cache_read_input_tokens":1000,"output_tokens":20}}
            """);
        using (json)
        {
            var root = json.RootElement;
            Assert.Equal(("msg_1", "chat.completion", "claude-sonnet-4-5-20250929"),
                (root.GetProperty("id").GetString(), root.GetProperty("object").GetString(), root.GetProperty("model").GetString()));
            var choice = root.GetProperty("choices")[0];
            Assert.Equal("assistant", choice.GetProperty("message").GetProperty("role").GetString());
            Assert.Equal("Hello there.", choice.GetProperty("message").GetProperty("content").GetString());
            Assert.False(choice.GetProperty("message").TryGetProperty("tool_calls", out _));
            Assert.Equal("stop", choice.GetProperty("finish_reason").GetString());

            var openAiUsage = root.GetProperty("usage");
            Assert.Equal(1150, openAiUsage.GetProperty("prompt_tokens").GetInt32());
            Assert.Equal(20, openAiUsage.GetProperty("completion_tokens").GetInt32());
            Assert.Equal(1170, openAiUsage.GetProperty("total_tokens").GetInt32());
            Assert.Equal(1000, openAiUsage.GetProperty("prompt_tokens_details").GetProperty("cached_tokens").GetInt32());
        }

        Assert.Equal(new TokenUsage(Input: 100, CachedInput: 1000, CacheWrite: 50, Output: 20, Reasoning: 0), usage);
    }

    [Fact]
    public void Translated_usage_reads_back_through_the_relay_inspector_as_input_plus_cache_write()
    {
        var output = new ArrayBufferWriter<byte>();
        AnthropicResponseTranslator.TranslateMessage(Encoding.UTF8.GetBytes("""
            {"id":"m","content":[{"type":"text","text":"x"}],"stop_reason":"end_turn",
             "usage":{"input_tokens":100,"cache_creation_input_tokens":50,"cache_read_input_tokens":1000,"output_tokens":20}}
            """), output);

        // Without the native usage the cache write would be billed as plain input: why the side channel exists.
        Assert.Equal(new TokenUsage(150, 1000, 0, 20, 0), ChunkInspector.Inspect(output.WrittenSpan).Usage);
    }

    [Fact]
    public void Tool_use_blocks_become_tool_calls_with_json_string_arguments()
    {
        var (json, _) = TranslateMessage("""
            {"id":"msg_2","type":"message","role":"assistant","model":"claude-sonnet-4-5",
             "content":[{"type":"thinking","thinking":"...","signature":"s"},
                        {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris","days":2}}],
             "stop_reason":"tool_use","usage":{"input_tokens":10,"output_tokens":5}}
            """);
        using (json)
        {
            var choice = json.RootElement.GetProperty("choices")[0];
            var message = choice.GetProperty("message");
            Assert.Equal(JsonValueKind.Null, message.GetProperty("content").ValueKind);
            var call = Assert.Single(message.GetProperty("tool_calls").EnumerateArray());
            Assert.Equal(("toolu_1", "function", "get_weather"),
                (call.GetProperty("id").GetString(), call.GetProperty("type").GetString(), call.GetProperty("function").GetProperty("name").GetString()));
            using var arguments = JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!);
            Assert.Equal("Paris", arguments.RootElement.GetProperty("city").GetString());
            Assert.Equal(2, arguments.RootElement.GetProperty("days").GetInt32());
            Assert.Equal("tool_calls", choice.GetProperty("finish_reason").GetString());
        }
    }

    [Theory]
    [InlineData("end_turn", "stop")]
    [InlineData("stop_sequence", "stop")]
    [InlineData("max_tokens", "length")]
    [InlineData("tool_use", "tool_calls")]
    [InlineData("refusal", "content_filter")]
    [InlineData(null, "stop")]
    public void Stop_reasons_map_to_finish_reasons(string? stopReason, string finishReason) =>
        Assert.Equal(finishReason, AnthropicStopReason.ToFinishReason(stopReason));

    [Fact]
    public void Anthropic_errors_become_openai_errors()
    {
        var output = new ArrayBufferWriter<byte>();
        AnthropicResponseTranslator.TranslateError(
            """{"type":"error","error":{"type":"rate_limit_error","message":"Number of requests has exceeded your rate limit"}}"""u8, output);

        using var json = JsonDocument.Parse(output.WrittenMemory);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("Number of requests has exceeded your rate limit", error.GetProperty("message").GetString());
        Assert.Equal("rate_limit_error", error.GetProperty("type").GetString());
        Assert.Equal("rate_limit_error", error.GetProperty("code").GetString());
    }

    [Fact]
    public void Bodies_that_are_not_anthropic_json_pass_unchanged()
    {
        var error = new ArrayBufferWriter<byte>();
        AnthropicResponseTranslator.TranslateError("<html>Bad gateway</html>"u8, error);
        var message = new ArrayBufferWriter<byte>();
        var usage = AnthropicResponseTranslator.TranslateMessage("not json"u8.ToArray(), message);

        Assert.Equal("<html>Bad gateway</html>", Encoding.UTF8.GetString(error.WrittenSpan));
        Assert.Equal("not json", Encoding.UTF8.GetString(message.WrittenSpan));
        Assert.Null(usage);
    }

    private static (JsonDocument Json, TokenUsage? Usage) TranslateMessage(string anthropic)
    {
        var output = new ArrayBufferWriter<byte>();
        var usage = AnthropicResponseTranslator.TranslateMessage(Encoding.UTF8.GetBytes(anthropic), output);
        return (JsonDocument.Parse(output.WrittenMemory), usage);
    }
}
