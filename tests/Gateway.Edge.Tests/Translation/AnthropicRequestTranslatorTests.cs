extern alias edge;

using System.Text;
using System.Text.Json;
using edge::Gateway.Edge.Errors;
using edge::Gateway.Edge.Translation;

namespace Gateway.Edge.Tests.Translation;

public sealed class AnthropicRequestTranslatorTests
{
    [Fact]
    public void System_and_developer_messages_become_the_top_level_system_and_max_tokens_defaults()
    {
        using var json = Translate("""
            {"model":"claude-sonnet-4-5","messages":[
              {"role":"system","content":"Be brief."},
              {"role":"developer","content":[{"type":"text","text":"Answer in English."}]},
              {"role":"user","content":"Hello"},
              {"role":"assistant","content":"Hi!"},
              {"role":"user","content":[{"type":"text","text":"How are you?"}]}],
             "temperature":0.2,"top_p":0.9,"stream":true,"user":"user-42"}
            """);
        var root = json.RootElement;

        Assert.Equal("claude-sonnet-4-5", root.GetProperty("model").GetString());
        Assert.Equal(AnthropicRequestTranslator.DefaultMaxTokens, root.GetProperty("max_tokens").GetInt32());
        Assert.Equal(["Be brief.", "Answer in English."], Texts(root.GetProperty("system")));
        var messages = root.GetProperty("messages");
        Assert.Equal(3, messages.GetArrayLength());
        Assert.Equal(("user", "Hello"), (messages[0].GetProperty("role").GetString(), messages[0].GetProperty("content").GetString()));
        Assert.Equal("assistant", messages[1].GetProperty("role").GetString());
        Assert.Equal(["Hi!"], Texts(messages[1].GetProperty("content")));
        Assert.Equal(["How are you?"], Texts(messages[2].GetProperty("content")));
        Assert.Equal(0.2, root.GetProperty("temperature").GetDouble());
        Assert.Equal(0.9, root.GetProperty("top_p").GetDouble());
        Assert.True(root.GetProperty("stream").GetBoolean());
        Assert.Equal("user-42", root.GetProperty("metadata").GetProperty("user_id").GetString());
    }

    [Theory]
    [InlineData("\"max_tokens\":300", 300)]
    [InlineData("\"max_completion_tokens\":200,\"max_tokens\":300", 200)]
    [InlineData("\"max_tokens\":null", AnthropicRequestTranslator.DefaultMaxTokens)]
    public void Max_completion_tokens_wins_over_max_tokens(string fields, int expected)
    {
        using var json = Translate("{\"model\":\"m\"," + fields + ",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

        Assert.Equal(expected, json.RootElement.GetProperty("max_tokens").GetInt32());
    }

    [Fact]
    public void Openai_only_fields_are_dropped()
    {
        using var json = Translate("""
            {"model":"m","messages":[{"role":"user","content":"Hi"}],"frequency_penalty":1,"presence_penalty":1,"seed":7,
             "logit_bias":{"1":2},"response_format":{"type":"json_object"},"stream":false,"stream_options":{"include_usage":true},"n":1}
            """);

        var names = json.RootElement.EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Equal(["model", "max_tokens", "messages"], names);
    }

    [Fact]
    public void Stop_string_or_array_becomes_stop_sequences()
    {
        using var single = Translate("""{"model":"m","messages":[{"role":"user","content":"Hi"}],"stop":"END"}""");
        using var several = Translate("""{"model":"m","messages":[{"role":"user","content":"Hi"}],"stop":["a","b"]}""");

        Assert.Equal(["END"], Strings(single.RootElement.GetProperty("stop_sequences")));
        Assert.Equal(["a", "b"], Strings(several.RootElement.GetProperty("stop_sequences")));
    }

    [Fact]
    public void Images_become_base64_or_url_sources()
    {
        using var json = Translate("""
            {"model":"m","messages":[{"role":"user","content":[
              {"type":"text","text":"What is this?"},
              {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo=","detail":"high"}},
              {"type":"image_url","image_url":{"url":"https://example.com/cat.jpg"}}]}]}
            """);

        var content = json.RootElement.GetProperty("messages")[0].GetProperty("content");
        Assert.Equal("text", content[0].GetProperty("type").GetString());
        var inline = content[1];
        Assert.Equal("image", inline.GetProperty("type").GetString());
        Assert.Equal("base64", inline.GetProperty("source").GetProperty("type").GetString());
        Assert.Equal("image/png", inline.GetProperty("source").GetProperty("media_type").GetString());
        Assert.Equal("iVBORw0KGgo=", inline.GetProperty("source").GetProperty("data").GetString());
        var linked = content[2].GetProperty("source");
        Assert.Equal(("url", "https://example.com/cat.jpg"), (linked.GetProperty("type").GetString(), linked.GetProperty("url").GetString()));
    }

    [Fact]
    public void Tools_and_tool_choice_are_translated()
    {
        using var json = Translate("""
            {"model":"m","messages":[{"role":"user","content":"Weather?"}],
             "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather by city",
                       "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
                      {"type":"function","function":{"name":"now"}}],
             "tool_choice":{"type":"function","function":{"name":"get_weather"}},"parallel_tool_calls":false}
            """);
        var root = json.RootElement;

        var tools = root.GetProperty("tools");
        Assert.Equal("get_weather", tools[0].GetProperty("name").GetString());
        Assert.Equal("Weather by city", tools[0].GetProperty("description").GetString());
        Assert.Equal("string", tools[0].GetProperty("input_schema").GetProperty("properties").GetProperty("city").GetProperty("type").GetString());
        Assert.Equal("object", tools[1].GetProperty("input_schema").GetProperty("type").GetString());
        var choice = root.GetProperty("tool_choice");
        Assert.Equal(("tool", "get_weather"), (choice.GetProperty("type").GetString(), choice.GetProperty("name").GetString()));
        Assert.True(choice.GetProperty("disable_parallel_tool_use").GetBoolean());
    }

    [Theory]
    [InlineData("\"auto\"", "auto")]
    [InlineData("\"none\"", "none")]
    [InlineData("\"required\"", "any")]
    public void Tool_choice_keywords_map_to_anthropic_types(string choice, string expected)
    {
        using var json = Translate("""{"model":"m","messages":[{"role":"user","content":"Hi"}],"tools":[{"type":"function","function":{"name":"f"}}],"tool_choice":"""
            + choice + "}");

        Assert.Equal(expected, json.RootElement.GetProperty("tool_choice").GetProperty("type").GetString());
    }

    [Fact]
    public void Tool_choice_without_tools_is_dropped()
    {
        using var json = Translate("""{"model":"m","messages":[{"role":"user","content":"Hi"}],"tool_choice":"auto"}""");

        Assert.False(json.RootElement.TryGetProperty("tool_choice", out _));
        Assert.False(json.RootElement.TryGetProperty("tools", out _));
    }

    [Fact]
    public void Tool_calls_become_tool_use_and_consecutive_tool_results_one_user_turn()
    {
        using var json = Translate("""
            {"model":"m","messages":[
              {"role":"user","content":"Weather in Paris and Rome?"},
              {"role":"assistant","content":null,"tool_calls":[
                {"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}},
                {"id":"call_2","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Rome\"}"}}]},
              {"role":"tool","tool_call_id":"call_1","content":"18C"},
              {"role":"tool","tool_call_id":"call_2","content":[{"type":"text","text":"24C"}]},
              {"role":"user","content":"Thanks"}]}
            """);

        var messages = json.RootElement.GetProperty("messages");
        Assert.Equal(4, messages.GetArrayLength());
        var calls = messages[1].GetProperty("content");
        Assert.Equal(2, calls.GetArrayLength());
        Assert.Equal(("tool_use", "call_1", "get_weather"),
            (calls[0].GetProperty("type").GetString(), calls[0].GetProperty("id").GetString(), calls[0].GetProperty("name").GetString()));
        Assert.Equal("Paris", calls[0].GetProperty("input").GetProperty("city").GetString());
        Assert.Equal("Rome", calls[1].GetProperty("input").GetProperty("city").GetString());

        var results = messages[2];
        Assert.Equal("user", results.GetProperty("role").GetString());
        var blocks = results.GetProperty("content");
        Assert.Equal(2, blocks.GetArrayLength());
        Assert.Equal(("tool_result", "call_1", "18C"),
            (blocks[0].GetProperty("type").GetString(), blocks[0].GetProperty("tool_use_id").GetString(), blocks[0].GetProperty("content").GetString()));
        Assert.Equal("call_2", blocks[1].GetProperty("tool_use_id").GetString());
        Assert.Equal(["24C"], Texts(blocks[1].GetProperty("content")));
        Assert.Equal("Thanks", messages[3].GetProperty("content").GetString());
    }

    [Fact]
    public void Empty_tool_arguments_become_an_empty_input_object()
    {
        using var json = Translate("""
            {"model":"m","messages":[{"role":"user","content":"Time?"},
              {"role":"assistant","content":"Let me check.","tool_calls":[{"id":"c","type":"function","function":{"name":"now","arguments":""}}]}]}
            """);

        var blocks = json.RootElement.GetProperty("messages")[1].GetProperty("content");
        Assert.Equal(["Let me check."], Texts(blocks));
        Assert.Equal(JsonValueKind.Object, blocks[1].GetProperty("input").ValueKind);
        Assert.Empty(blocks[1].GetProperty("input").EnumerateObject());
    }

    [Theory]
    [InlineData("""{"model":"m","n":2,"messages":[{"role":"user","content":"Hi"}]}""", "unsupported_parameter")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"x","format":"wav"}}]}]}""", "unsupported_content")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image/png,abc"}}]}]}""", "invalid_image")]
    [InlineData("""{"model":"m","messages":[{"role":"assistant","tool_calls":[{"id":"c","type":"function","function":{"name":"f","arguments":"{oops"}}]}]}""", "invalid_tool_call")]
    [InlineData("""{"model":"m","messages":[{"role":"tool","content":"x"}]}""", "invalid_tool_message")]
    [InlineData("""{"model":"m","messages":[{"role":"function","name":"f","content":"x"}]}""", "unsupported_role")]
    [InlineData("""{"model":"m","max_tokens":0,"messages":[{"role":"user","content":"Hi"}]}""", "invalid_max_tokens")]
    public void What_anthropic_cannot_answer_faithfully_is_a_400(string body, string code)
    {
        var error = Assert.Throws<GatewayErrorException>(() => AnthropicRequestTranslator.Translate(Encoding.UTF8.GetBytes(body))).Error;

        Assert.Equal((400, code), (error.StatusCode, error.Code));
    }

    private static JsonDocument Translate(string openAi) =>
        JsonDocument.Parse(AnthropicRequestTranslator.Translate(Encoding.UTF8.GetBytes(openAi)));

    private static string[] Texts(JsonElement blocks) =>
        [.. blocks.EnumerateArray().Where(b => b.GetProperty("type").GetString() == "text").Select(b => b.GetProperty("text").GetString()!)];

    private static string[] Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];
}
