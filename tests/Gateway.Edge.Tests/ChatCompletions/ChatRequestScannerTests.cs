extern alias edge;

using System.Text;
using System.Text.Json;
using edge::Gateway.Edge.ChatCompletions;

namespace Gateway.Edge.Tests.ChatCompletions;

public sealed class ChatRequestScannerTests
{
    private const string Messages = """[{"role":"user","content":"hi"}]""";

    [Fact]
    public void Reads_model_stream_and_include_usage()
    {
        var info = Scan($$$"""{"model":"gpt-4o-mini","messages":{{{Messages}}},"stream":true,"stream_options":{"include_usage":true}}""");

        Assert.Equal("gpt-4o-mini", info.Model);
        Assert.True(info.Stream);
        Assert.True(info.IncludeUsage);
        Assert.Null(info.IncludeUsageEdit);
    }

    [Fact]
    public void Stream_defaults_to_false_and_null_counts_as_false()
    {
        Assert.False(Scan($$"""{"model":"m","messages":{{Messages}}}""").Stream);
        Assert.False(Scan($$"""{"model":"m","messages":{{Messages}},"stream":null}""").Stream);
    }

    [Theory]
    [InlineData("", "invalid_json")]
    [InlineData("{", "invalid_json")]
    [InlineData("[1,2]", "invalid_json")]
    [InlineData("{\"model\":\"m\",\"messages\":[{}]} trailing", "invalid_json")]
    [InlineData("{\"model\":\"m\",\"messages\":[{}],}", "invalid_json")]
    [InlineData("{\"messages\":[{}]}", "missing_model")]
    [InlineData("{\"model\":42,\"messages\":[{}]}", "invalid_model")]
    [InlineData("{\"model\":\"\",\"messages\":[{}]}", "invalid_model")]
    [InlineData("{\"model\":\"m\"}", "missing_messages")]
    [InlineData("{\"model\":\"m\",\"messages\":{}}", "invalid_messages")]
    [InlineData("{\"model\":\"m\",\"messages\":[]}", "invalid_messages")]
    [InlineData("{\"model\":\"m\",\"messages\":[\"hi\"]}", "invalid_messages")]
    [InlineData("{\"model\":\"m\",\"messages\":[{}],\"stream\":\"yes\"}", "invalid_stream")]
    [InlineData("{\"model\":\"m\",\"messages\":[{}],\"stream_options\":true}", "invalid_stream_options")]
    [InlineData("{\"model\":\"m\",\"messages\":[{}],\"stream_options\":{\"include_usage\":1}}", "invalid_stream_options")]
    public void Rejects_malformed_bodies_with_a_specific_code(string body, string code)
    {
        var outcome = ChatRequestScanner.Scan(Encoding.UTF8.GetBytes(body));

        Assert.Null(outcome.Value);
        Assert.Equal(400, outcome.Error!.StatusCode);
        Assert.Equal("invalid_request_error", outcome.Error.Type);
        Assert.Equal(code, outcome.Error.Code);
    }

    [Fact]
    public void Invalid_json_error_says_where()
    {
        var outcome = ChatRequestScanner.Scan("{\"model\": nope}"u8);

        Assert.Contains("not valid JSON", outcome.Error!.Message, StringComparison.Ordinal);
        Assert.Contains("BytePositionInLine", outcome.Error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Deep_nesting_is_a_client_error_not_a_crash()
    {
        var body = "{\"model\":\"m\",\"messages\":[{\"x\":" + new string('[', 200) + new string(']', 200) + "}]}";

        Assert.Equal("invalid_json", ChatRequestScanner.Scan(Encoding.UTF8.GetBytes(body)).Error!.Code);
    }

    [Theory]
    [InlineData("{\"model\":\"m\",\"messages\":[{}],\"stream\":true}")]
    [InlineData("{\"model\":\"m\",\"messages\":[{}],\"stream\":true,\"stream_options\":null}")]
    [InlineData("{\"model\":\"m\",\"messages\":[{}],\"stream\":true,\"stream_options\":{}}")]
    [InlineData("{\"model\":\"m\",\"messages\":[{}],\"stream\":true,\"stream_options\":{\"other\":1}}")]
    [InlineData("{\"model\":\"m\",\"messages\":[{}],\"stream\":true,\"stream_options\":{\"include_usage\":false}}")]
    [InlineData("{\"model\":\"m\",\"messages\":[{}],\"stream\":true,\"stream_options\":{\"include_usage\":null,\"x\":[1]}}")]
    [InlineData(" { \"stream\" : true , \"model\":\"m\",\"messages\":[{}] } ")]
    public void Usage_edit_turns_include_usage_on_and_keeps_everything_else(string body)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var info = Scan(body);

        Assert.False(info.IncludeUsage);
        var edited = info.IncludeUsageEdit!.Apply(bytes);

        using var original = JsonDocument.Parse(bytes);
        using var rewritten = JsonDocument.Parse(edited);
        Assert.True(rewritten.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        foreach (var property in original.RootElement.EnumerateObject())
        {
            if (property.Name == "stream_options")
            {
                foreach (var option in property.Value.ValueKind == JsonValueKind.Object ? property.Value.EnumerateObject() : default)
                {
                    if (option.Name != "include_usage")
                    {
                        Assert.Equal(option.Value.GetRawText(),
                            rewritten.RootElement.GetProperty("stream_options").GetProperty(option.Name).GetRawText());
                    }
                }

                continue;
            }

            Assert.Equal(property.Value.GetRawText(), rewritten.RootElement.GetProperty(property.Name).GetRawText());
        }

        Assert.True(Scan(Encoding.UTF8.GetString(edited)).IncludeUsage);
    }

    private static ChatRequestInfo Scan(string body)
    {
        var outcome = ChatRequestScanner.Scan(Encoding.UTF8.GetBytes(body));
        Assert.Null(outcome.Error);
        return outcome.Value!;
    }
}
