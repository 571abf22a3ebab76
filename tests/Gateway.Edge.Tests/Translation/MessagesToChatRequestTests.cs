extern alias edge;

using System.Text;
using System.Text.Json;
using edge::Gateway.Edge.Errors;
using edge::Gateway.Edge.Translation;

namespace Gateway.Edge.Tests.Translation;

public sealed class MessagesToChatRequestTests
{
    [Fact]
    public void System_sampling_stop_user_and_stream_map_to_their_openai_fields()
    {
        using var json = Translate("""
            {"model":"gpt-4o-mini","max_tokens":300,"system":[{"type":"text","text":"Be brief."},{"type":"text","text":"Answer in English."}],
             "messages":[{"role":"user","content":"Hello"},{"role":"assistant","content":"Hi!"},
                         {"role":"user","content":[{"type":"text","text":"How are you?"}]}],
             "temperature":0.2,"top_p":0.9,"top_k":40,"stop_sequences":["END"],"stream":true,"metadata":{"user_id":"user-42"}}
            """);
        var root = json.RootElement;

        Assert.Equal("gpt-4o-mini", root.GetProperty("model").GetString());
        Assert.Equal(300, root.GetProperty("max_tokens").GetInt32());
        Assert.Equal((0.2, 0.9), (root.GetProperty("temperature").GetDouble(), root.GetProperty("top_p").GetDouble()));
        Assert.False(root.TryGetProperty("top_k", out _));
        Assert.Equal("END", Assert.Single(root.GetProperty("stop").EnumerateArray()).GetString());
        Assert.True(root.GetProperty("stream").GetBoolean());
        Assert.False(root.TryGetProperty("stream_options", out _));
        Assert.Equal("user-42", root.GetProperty("user").GetString());
        var messages = root.GetProperty("messages").EnumerateArray().Select(m => (m.GetProperty("role").GetString(), m.GetProperty("content").GetString())).ToList();
        Assert.Equal([("system", "Be brief.\n\nAnswer in English."), ("user", "Hello"), ("assistant", "Hi!"), ("user", "How are you?")], messages);
    }

    [Fact]
    public void Tool_use_becomes_tool_calls_and_tool_results_become_tool_messages_before_the_rest_of_the_turn()
    {
        using var json = Translate("""
            {"model":"gpt-4o","max_tokens":100,"messages":[
              {"role":"user","content":"Weather in Paris?"},
              {"role":"assistant","content":[{"type":"thinking","thinking":"...","signature":"x"},{"type":"text","text":"Let me check."},
                {"type":"tool_use","id":"toolu_1","name":"get_weather","input":{"city":"Paris"}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_1","content":[{"type":"text","text":"18C"}]},
                {"type":"text","text":"And tomorrow?"}]},
              {"role":"assistant","content":[{"type":"tool_use","id":"toolu_2","name":"get_weather","input":{"city":"Paris","day":1}}]},
              {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_2","content":"unavailable","is_error":true}]}],
             "tools":[{"name":"get_weather","description":"Weather now","input_schema":{"type":"object","properties":{"city":{"type":"string"}}}}],
             "tool_choice":{"type":"tool","name":"get_weather","disable_parallel_tool_use":true}}
            """);
        var root = json.RootElement;
        var messages = root.GetProperty("messages");

        Assert.Equal(["user", "assistant", "tool", "user", "assistant", "tool"],
            messages.EnumerateArray().Select(m => m.GetProperty("role").GetString()!).ToArray());
        var assistant = messages[1];
        Assert.Equal("Let me check.", assistant.GetProperty("content").GetString());
        var call = Assert.Single(assistant.GetProperty("tool_calls").EnumerateArray());
        Assert.Equal(("toolu_1", "function", "get_weather"),
            (call.GetProperty("id").GetString(), call.GetProperty("type").GetString(), call.GetProperty("function").GetProperty("name").GetString()));
        using (var arguments = JsonDocument.Parse(call.GetProperty("function").GetProperty("arguments").GetString()!))
        {
            Assert.Equal("Paris", arguments.RootElement.GetProperty("city").GetString());
        }

        Assert.Equal(("toolu_1", "18C"), (messages[2].GetProperty("tool_call_id").GetString(), messages[2].GetProperty("content").GetString()));
        Assert.Equal("And tomorrow?", messages[3].GetProperty("content").GetString());
        Assert.Equal(JsonValueKind.Null, messages[4].GetProperty("content").ValueKind);
        Assert.Equal("Error: unavailable", messages[5].GetProperty("content").GetString());

        var tool = Assert.Single(root.GetProperty("tools").EnumerateArray());
        Assert.Equal("function", tool.GetProperty("type").GetString());
        Assert.Equal(("get_weather", "Weather now"),
            (tool.GetProperty("function").GetProperty("name").GetString(), tool.GetProperty("function").GetProperty("description").GetString()));
        Assert.Equal("object", tool.GetProperty("function").GetProperty("parameters").GetProperty("type").GetString());
        Assert.Equal("get_weather", root.GetProperty("tool_choice").GetProperty("function").GetProperty("name").GetString());
        Assert.False(root.GetProperty("parallel_tool_calls").GetBoolean());
    }

    [Theory]
    [InlineData("auto", "auto")]
    [InlineData("any", "required")]
    [InlineData("none", "none")]
    public void Tool_choice_types_map_to_openai_strings(string anthropic, string openAi)
    {
        using var json = Translate($$$"""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tool_choice":{"type":"{{{anthropic}}}"}}""");

        Assert.Equal(openAi, json.RootElement.GetProperty("tool_choice").GetString());
    }

    [Fact]
    public void Images_become_image_url_parts_with_data_urls_for_base64()
    {
        using var json = Translate("""
            {"model":"gpt-4o","max_tokens":10,"messages":[{"role":"user","content":[
              {"type":"text","text":"What is this?"},
              {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}},
              {"type":"image","source":{"type":"url","url":"https://example.com/cat.jpg"}}]}]}
            """);
        var parts = json.RootElement.GetProperty("messages")[0].GetProperty("content");

        Assert.Equal(3, parts.GetArrayLength());
        Assert.Equal("What is this?", parts[0].GetProperty("text").GetString());
        Assert.Equal("data:image/png;base64,iVBORw0KGgo=", parts[1].GetProperty("image_url").GetProperty("url").GetString());
        Assert.Equal("https://example.com/cat.jpg", parts[2].GetProperty("image_url").GetProperty("url").GetString());
    }

    [Theory]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":[{"type":"document","source":{"type":"text","data":"x"}}]}]}""", "unsupported_content")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"user","content":"x"}],"tools":[{"type":"web_search_20250305","name":"web_search"}]}""", "unsupported_tool")]
    [InlineData("""{"model":"m","max_tokens":5,"messages":[{"role":"system","content":"x"}]}""", "invalid_role")]
    public void What_openai_cannot_express_is_refused_with_a_400(string body, string code)
    {
        var error = Assert.Throws<GatewayErrorException>(() => MessagesToChatRequest.Translate(Encoding.UTF8.GetBytes(body))).Error;

        Assert.Equal((400, code), (error.StatusCode, error.Code));
    }

    private static JsonDocument Translate(string body) => JsonDocument.Parse(MessagesToChatRequest.Translate(Encoding.UTF8.GetBytes(body)));
}
