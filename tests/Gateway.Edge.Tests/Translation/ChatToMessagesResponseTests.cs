extern alias edge;

using System.Buffers;
using System.Text;
using System.Text.Json;
using edge::Gateway.Edge.Pricing;
using edge::Gateway.Edge.Translation;

namespace Gateway.Edge.Tests.Translation;

public sealed class ChatToMessagesResponseTests
{
    [Fact]
    public void A_completion_becomes_a_message_with_text_tool_use_stop_reason_and_anthropic_usage()
    {
        var (json, usage) = Translate("""
            {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"gpt-4o","choices":[{"index":0,
              "message":{"role":"assistant","content":"Checking.","tool_calls":[{"id":"call_1","type":"function",
                "function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}}]},"finish_reason":"tool_calls"}],
             "usage":{"prompt_tokens":1200,"completion_tokens":30,"total_tokens":1230,"prompt_tokens_details":{"cached_tokens":1000}}}
            """);
        using (json)
        {
            var root = json.RootElement;
            Assert.Equal(("chatcmpl-1", "message", "assistant", "gpt-4o"), (root.GetProperty("id").GetString(), root.GetProperty("type").GetString(),
                root.GetProperty("role").GetString(), root.GetProperty("model").GetString()));
            var content = root.GetProperty("content");
            Assert.Equal(2, content.GetArrayLength());
            Assert.Equal(("text", "Checking."), (content[0].GetProperty("type").GetString(), content[0].GetProperty("text").GetString()));
            Assert.Equal(("tool_use", "call_1", "get_weather"), (content[1].GetProperty("type").GetString(), content[1].GetProperty("id").GetString(),
                content[1].GetProperty("name").GetString()));
            Assert.Equal("Paris", content[1].GetProperty("input").GetProperty("city").GetString());
            Assert.Equal("tool_use", root.GetProperty("stop_reason").GetString());
            var anthropicUsage = root.GetProperty("usage");
            Assert.Equal((200, 1000, 0, 30), (anthropicUsage.GetProperty("input_tokens").GetInt32(),
                anthropicUsage.GetProperty("cache_read_input_tokens").GetInt32(), anthropicUsage.GetProperty("cache_creation_input_tokens").GetInt32(),
                anthropicUsage.GetProperty("output_tokens").GetInt32()));
        }

        Assert.Equal(new TokenUsage(200, 1000, 0, 30, 0), usage);
    }

    [Theory]
    [InlineData("stop", "end_turn")]
    [InlineData("length", "max_tokens")]
    [InlineData("content_filter", "refusal")]
    [InlineData("tool_calls", "tool_use")]
    public void Finish_reasons_become_stop_reasons(string finish, string stop) => Assert.Equal(stop, ChatFinishReason.ToStopReason(finish));

    [Fact]
    public void A_body_that_is_not_a_completion_passes_unchanged()
    {
        const string body = """{"object":"list","data":[]}""";
        var output = new ArrayBufferWriter<byte>();

        Assert.Null(ChatToMessagesResponse.Translate(Encoding.UTF8.GetBytes(body), output));
        Assert.Equal(body, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Theory]
    [InlineData(429, """{"error":{"message":"Slow down.","type":"requests","code":"rate_limit_exceeded"}}""", "rate_limit_error", "Slow down.")]
    [InlineData(401, """{"error":{"message":"Bad key.","type":"invalid_request_error"}}""", "authentication_error", "Bad key.")]
    [InlineData(502, "<html>Bad Gateway</html>", "api_error", "Provider 'openai' returned HTTP 502: <html>Bad Gateway</html>")]
    public void Provider_errors_take_the_anthropic_shape_with_the_type_of_their_status(int status, string body, string type, string message)
    {
        var output = new ArrayBufferWriter<byte>();

        AnthropicErrorBody.FromUpstream(Encoding.UTF8.GetBytes(body), status, "openai", output);

        using var json = JsonDocument.Parse(output.WrittenMemory);
        Assert.Equal("error", json.RootElement.GetProperty("type").GetString());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal((type, message), (error.GetProperty("type").GetString(), error.GetProperty("message").GetString()));
    }

    [Fact]
    public void Anthropic_errors_pass_unchanged()
    {
        const string body = """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""";
        var output = new ArrayBufferWriter<byte>();

        AnthropicErrorBody.FromUpstream(Encoding.UTF8.GetBytes(body), 529, "anthropic", output);

        Assert.Equal(body, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    private static (JsonDocument Json, TokenUsage? Usage) Translate(string body)
    {
        var output = new ArrayBufferWriter<byte>();
        var usage = ChatToMessagesResponse.Translate(Encoding.UTF8.GetBytes(body), output);
        return (JsonDocument.Parse(output.WrittenMemory), usage);
    }
}
