extern alias edge;

using System.Text;
using edge::Gateway.Edge.Pipeline;

namespace Gateway.Edge.Tests.Pipeline;

public sealed class ModelRequestScannerTests
{
    [Theory]
    [InlineData("""{"model":"m","prompt":"x","stream":true}""", """{"stream_options":{"include_usage":true},"model":"m","prompt":"x","stream":true}""")]
    [InlineData("""{"model":"m","prompt":"x","stream":true,"stream_options":null}""", """{"model":"m","prompt":"x","stream":true,"stream_options":{"include_usage":true}}""")]
    [InlineData("""{"model":"m","stream_options":{"include_usage":false},"prompt":"x"}""", """{"model":"m","stream_options":{"include_usage":true},"prompt":"x"}""")]
    public void Stream_usage_is_switched_on_with_one_splice(string body, string edited)
    {
        var bytes = Encoding.UTF8.GetBytes(body);

        var scanned = ModelRequestScanner.Scan(bytes, "prompt");

        Assert.Equal(edited, Encoding.UTF8.GetString(scanned.Value!.IncludeUsageEdit!.Apply(bytes)));
    }

    [Fact]
    public void A_client_that_asked_for_usage_needs_no_edit()
    {
        var scanned = ModelRequestScanner.Scan("""{"model":"m","input":[1,2],"stream_options":{"other":{"include_usage":false},"include_usage":true}}"""u8, "input");

        Assert.Equal(("m", false, true), (scanned.Value!.Model, scanned.Value.Stream, scanned.Value.IncludeUsage));
        Assert.Null(scanned.Value.IncludeUsageEdit);
    }

    [Theory]
    [InlineData("", "invalid_json")]
    [InlineData("[]", "invalid_json")]
    [InlineData("""{"model":"m","input":"x"} trailing""", "invalid_json")]
    [InlineData("""{"input":"x"}""", "missing_model")]
    [InlineData("""{"model":"","input":"x"}""", "invalid_model")]
    [InlineData("""{"model":"m"}""", "missing_input")]
    [InlineData("""{"model":"m","input":"x","stream":"yes"}""", "invalid_stream")]
    public void Invalid_bodies_say_what_is_wrong(string body, string code) =>
        Assert.Equal(code, ModelRequestScanner.Scan(Encoding.UTF8.GetBytes(body), "input").Error!.Code);
}
