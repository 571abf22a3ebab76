extern alias edge;

using System.Text;
using Gateway.Contracts.Routing;
using edge::Gateway.Edge.ChatCompletions;
using edge::Gateway.Edge.Http;
using edge::Gateway.Edge.Pipeline;
using edge::Gateway.Edge.Pricing;
using edge::Gateway.Edge.Proxy;
using Microsoft.AspNetCore.Http;

namespace Gateway.Edge.Tests.Hostile;

/// <summary>What the hostile suites found, pinned where it was fixed: text that cannot be decoded (invalid UTF-8, an
/// escaped lone surrogate) used to escape as an InvalidOperationException and become a 500; a usage count that is an
/// object used to derail the rest of the usage object.</summary>
public sealed class DecodingFailureTests
{
    [Theory]
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xC3, 0x28 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xE2, 0x82 })]
    public void Request_body_with_invalid_utf8_anywhere_is_invalid_json(byte[] bad)
    {
        byte[] body = [.. """{"model":"m","messages":[{"role":"user","content":"a"""u8, .. bad, .. "\"}]}"u8];

        Assert.Equal("invalid_json", ChatRequestScanner.Scan(body).Error?.Code);
        Assert.Equal("invalid_json", ModelRequestScanner.Scan(body, "messages").Error?.Code);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"\ud800"}]}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"x\udc00y"}]}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","\uDBFF":"x"}]}""")]
    public void Request_body_escaping_a_lone_surrogate_is_invalid_json(string body)
    {
        Assert.Equal("invalid_json", ChatRequestScanner.Scan(Encoding.UTF8.GetBytes(body)).Error?.Code);
    }

    [Theory]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"\ud83c\udf0d \u00e9 \\ud800 h\u00e9"}]}""")]
    [InlineData("""{"model":"m","messages":[{"role":"user","content":"🌍 é"}]}""")]
    public void Surrogate_pairs_and_escaped_backslashes_are_fine(string body)
    {
        var scanned = ChatRequestScanner.Scan(Encoding.UTF8.GetBytes(body));

        Assert.Null(scanned.Error);
        Assert.Equal("m", scanned.Value!.Model);
    }

    [Fact]
    public void Metadata_escaping_a_lone_surrogate_is_a_400()
    {
        var read = RequestMetadata.Read(new HeaderDictionary { ["x-gateway-metadata"] = """{"team":"\ud800"}""" });

        Assert.Equal((400, "invalid_metadata"), (read.Error?.StatusCode, read.Error?.Code));
    }

    [Fact]
    public void Routing_config_escaping_a_lone_surrogate_is_a_validation_error()
    {
        var (canonical, errors) = ConfigValidator.Validate("""{"targets":[{"virtual_key":"\ud800"}]}""");

        Assert.Null(canonical);
        Assert.Contains(errors, error => error.Message.Contains("Unicode", StringComparison.Ordinal));
    }

    [Fact]
    public void Provider_text_that_cannot_be_decoded_is_skipped_and_usage_still_read()
    {
        var capture = new AnswerCapture();
        byte[] chunk = [.. """{"model":"\udfff","choices":[{"index":0,"delta":{"content":"ok"}},{"index":1,"delta":{"content":"bad"""u8,
            0xFF, .. "\"}}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":3}}"u8];

        var info = ChunkInspector.Inspect(chunk, capture);

        Assert.Equal(new TokenUsage(5, 0, 0, 3, 0), info.Usage);
        Assert.Equal("ok", capture.KeptText);
        Assert.Equal("", capture.ServedModel);
    }

    [Fact]
    public void Usage_count_of_the_wrong_shape_does_not_derail_the_rest_of_the_usage()
    {
        var info = ChunkInspector.Inspect("""{"choices":[],"usage":{"prompt_tokens":{"a":[1,{"completion_tokens":99}]},"completion_tokens":7,"prompt_tokens_details":[1]}}"""u8);

        Assert.Equal(new TokenUsage(0, 0, 0, 7, 0), info.Usage);
        Assert.True(info.IsUsageOnly);
    }
}
