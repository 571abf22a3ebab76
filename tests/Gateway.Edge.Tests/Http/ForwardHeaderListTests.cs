extern alias edge;

using edge::Gateway.Edge.Http;
using Microsoft.AspNetCore.Http;

namespace Gateway.Edge.Tests.Http;

public sealed class ForwardHeaderListTests
{
    [Fact]
    public void Listed_headers_that_are_present_are_forwarded_lowercase_once()
    {
        var read = ForwardHeaderList.Read(new HeaderDictionary
        {
            ["x-portkey-forward-headers"] = " X-Team-Id , x-request-source,x-absent,, x-team-id",
            ["X-Team-Id"] = "t-1",
            ["x-request-source"] = "ide",
        });

        Assert.Equal([new("x-team-id", "t-1"), new("x-request-source", "ide")], read.Value!);
    }

    [Fact]
    public void No_header_forwards_nothing() => Assert.Empty(ForwardHeaderList.Read(new HeaderDictionary()).Value!);

    [Theory]
    [InlineData("authorization")]
    [InlineData("Authorization")]
    [InlineData("x-api-key")]
    [InlineData("cookie")]
    [InlineData("x-gateway-api-key")]
    [InlineData("x-portkey-virtual-key")]
    [InlineData("connection")]
    [InlineData("transfer-encoding")]
    [InlineData("host")]
    [InlineData("content-length")]
    public void Credentials_hop_by_hop_and_gateway_headers_are_refused(string name)
    {
        var error = ForwardHeaderList.Read(new HeaderDictionary { ["x-gateway-forward-headers"] = "x-ok, " + name, [name] = "v" }).Error!;

        Assert.Equal((400, "invalid_header"), (error.StatusCode, error.Code));
        Assert.Contains(name.ToLowerInvariant(), error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_count_is_bounded()
    {
        var names = string.Join(",", Enumerable.Range(0, 17).Select(i => $"x-h{i}"));

        var error = ForwardHeaderList.Read(new HeaderDictionary { ["x-gateway-forward-headers"] = names }).Error!;

        Assert.Contains("16", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_must_be_tokens() =>
        Assert.Equal("invalid_header", ForwardHeaderList.Read(new HeaderDictionary { ["x-gateway-forward-headers"] = "x-a b" }).Error!.Code);
}
