extern alias edge;

using edge::Gateway.Edge.Http;
using Microsoft.AspNetCore.Http;

namespace Gateway.Edge.Tests.Http;

public sealed class RequestMetadataTests
{
    [Fact]
    public void No_headers_is_empty()
    {
        var read = RequestMetadata.Read(new HeaderDictionary());

        Assert.Equal("", read.Value!.User);
        Assert.Empty(read.Value.Values);
    }

    [Theory]
    [InlineData("x-gateway-metadata")]
    [InlineData("x-portkey-metadata")]
    public void Json_header_and_alias_are_read(string header)
    {
        var read = RequestMetadata.Read(new HeaderDictionary { [header] = """{"team":"search","env":"prod"}""" });

        Assert.Equal(new Dictionary<string, string> { ["team"] = "search", ["env"] = "prod" }, read.Value!.Values);
    }

    [Fact]
    public void Per_key_headers_add_lowercase_keys_and_override_json()
    {
        var read = RequestMetadata.Read(new HeaderDictionary
        {
            ["x-gateway-metadata"] = """{"team":"search","env":"dev"}""",
            ["x-gateway-meta-Env"] = "prod",
            ["X-LLMGateway-Feature"] = "autocomplete",
            ["X-LLMGateway-User-ID"] = "u-7",
        });

        Assert.Equal(new Dictionary<string, string> { ["team"] = "search", ["env"] = "prod", ["feature"] = "autocomplete" }, read.Value!.Values);
        Assert.Equal("u-7", read.Value.User);
    }

    [Theory]
    [InlineData("x-gateway-user")]
    [InlineData("x-metrion-user")]
    [InlineData("X-LLMGateway-User-ID")]
    public void Each_user_header_names_the_requester(string header)
    {
        var read = RequestMetadata.Read(new HeaderDictionary { [header] = " alice " });

        Assert.Equal("alice", read.Value!.User);
    }

    [Fact]
    public void User_headers_win_in_order_and_over_metadata_user()
    {
        var all = new HeaderDictionary
        {
            ["x-gateway-metadata"] = """{"_user":"from-metadata"}""",
            ["X-LLMGateway-User-ID"] = "llmgateway",
            ["x-metrion-user"] = "metrion",
            ["x-gateway-user"] = "gateway",
        };
        Assert.Equal("gateway", RequestMetadata.Read(all).Value!.User);

        all.Remove("x-gateway-user");
        Assert.Equal("metrion", RequestMetadata.Read(all).Value!.User);

        all.Remove("x-metrion-user");
        Assert.Equal("llmgateway", RequestMetadata.Read(all).Value!.User);

        all.Remove("X-LLMGateway-User-ID");
        var fromMetadata = RequestMetadata.Read(all).Value!;
        Assert.Equal("from-metadata", fromMetadata.User);
        Assert.Equal("from-metadata", fromMetadata.Values["_user"]);
    }

    [Theory]
    [InlineData("{\"team\":", "invalid_metadata")]
    [InlineData("[\"a\"]", "invalid_metadata")]
    [InlineData("{\"n\":1}", "invalid_metadata")]
    [InlineData("{\"nested\":{\"a\":\"b\"}}", "invalid_metadata")]
    [InlineData("{\"a\":\"b\"} trailing", "invalid_metadata")]
    [InlineData("{\"\":\"empty key\"}", "metadata_limit_exceeded")]
    public void Malformed_json_is_rejected(string json, string code)
    {
        var error = RequestMetadata.Read(new HeaderDictionary { ["x-gateway-metadata"] = json }).Error;

        Assert.Equal((400, code), (error!.StatusCode, error.Code));
        Assert.Contains("x-gateway-metadata", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Limits_are_enforced_and_named()
    {
        var longKey = RequestMetadata.Read(new HeaderDictionary { ["x-gateway-metadata"] = $"{{\"{new string('k', 65)}\":\"v\"}}" }).Error!;
        var longValue = RequestMetadata.Read(new HeaderDictionary { ["x-gateway-meta-note"] = new string('v', 513) }).Error!;
        var tooMany = RequestMetadata.Read(new HeaderDictionary
        {
            ["x-gateway-metadata"] = "{" + string.Join(",", Enumerable.Range(0, 33).Select(i => $"\"k{i}\":\"v\"")) + "}",
        }).Error!;
        var hugeHeader = RequestMetadata.Read(new HeaderDictionary { ["x-gateway-metadata"] = new string(' ', 8 * 1024 + 1) + "{}" }).Error!;
        var longUser = RequestMetadata.Read(new HeaderDictionary { ["x-gateway-user"] = new string('u', 513) }).Error!;

        Assert.Contains("64", longKey.Message, StringComparison.Ordinal);
        Assert.Contains("512", longValue.Message, StringComparison.Ordinal);
        Assert.Contains("32", tooMany.Message, StringComparison.Ordinal);
        Assert.Equal("header_too_large", hugeHeader.Code);
        Assert.Contains("8192", hugeHeader.Message, StringComparison.Ordinal);
        Assert.Contains("512", longUser.Message, StringComparison.Ordinal);
        Assert.All([longKey, longValue, tooMany, longUser], e => Assert.Equal("metadata_limit_exceeded", e.Code));
    }

    [Fact]
    public void Exactly_at_the_limits_is_accepted()
    {
        var headers = new HeaderDictionary
        {
            ["x-gateway-metadata"] = "{" + string.Join(",", Enumerable.Range(0, 31).Select(i => $"\"k{i}\":\"v\"")) + "}",
            ["x-gateway-meta-" + new string('k', 64)] = new string('v', 512),
        };

        Assert.Equal(32, RequestMetadata.Read(headers).Value!.Values.Count);
    }
}
