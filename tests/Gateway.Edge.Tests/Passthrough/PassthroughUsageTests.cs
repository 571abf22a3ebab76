extern alias edge;

using edge::Gateway.Edge.Passthrough;
using edge::Gateway.Edge.Pricing;
using Microsoft.AspNetCore.Http;

namespace Gateway.Edge.Tests.Passthrough;

public sealed class PassthroughUsageTests
{
    [Fact]
    public void Reads_openai_usage()
    {
        var read = PassthroughUsage.Read("""
            {"object":"x","model":"gpt-4o","usage":{"prompt_tokens":10,"completion_tokens":4,"prompt_tokens_details":{"cached_tokens":3}}}
            """u8);

        Assert.Equal("gpt-4o", read.Model);
        Assert.Equal(new TokenUsage(7, 3, 0, 4, 0), read.Usage);
    }

    [Fact]
    public void Reads_responses_api_usage()
    {
        var read = PassthroughUsage.Read("""
            {"usage":{"input_tokens":100,"input_tokens_details":{"cached_tokens":60},"output_tokens":20,
                      "output_tokens_details":{"reasoning_tokens":5},"total_tokens":120},"model":"o3"}
            """u8);

        Assert.Equal(("o3", new TokenUsage(40, 60, 0, 20, 5)), (read.Model, read.Usage));
    }

    [Fact]
    public void Finds_the_usage_of_a_responses_stream_split_anywhere()
    {
        var stream = System.Text.Encoding.UTF8.GetBytes(
            "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"model\":\"o3\",\"usage\":null}}\n\n"
            + "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}\n\n"
            + "event: response.completed\r\ndata: {\"type\":\"response.completed\",\"response\":{\"model\":\"o3\",\"usage\":"
            + "{\"input_tokens\":9,\"output_tokens\":2}}}\r\n\r\n");
        for (var split = 1; split < stream.Length; split += 7)
        {
            using var watcher = new EventStreamUsage();
            watcher.Append(stream.AsSpan(0, split));
            watcher.Append(stream.AsSpan(split));

            Assert.Equal(("o3", new TokenUsage(9, 0, 0, 2, 0)), (watcher.Last.Model, watcher.Last.Usage));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("""{"usage":null}""")]
    public void Anything_else_carries_nothing(string body)
    {
        var read = PassthroughUsage.Read(System.Text.Encoding.UTF8.GetBytes(body));

        Assert.Null(read.Usage);
    }

    [Theory]
    [InlineData("/v1/files", "/v1/files")]
    [InlineData("/v1/files/file-abc/content", "/v1/files")]
    [InlineData("/v1/audio/speech", "/v1/audio")]
    [InlineData("/v1/", "/v1/*")]
    [InlineData("/v1/Weird%20Name", "/v1/*")]
    public void Usage_events_name_the_api_not_the_resource(string path, string endpoint) =>
        Assert.Equal(endpoint, PassthroughHandler.EndpointName(new PathString(path)));
}
