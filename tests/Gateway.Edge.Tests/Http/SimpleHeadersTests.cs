extern alias edge;

using edge::Gateway.Edge.Http;
using Microsoft.AspNetCore.Http;

namespace Gateway.Edge.Tests.Http;

/// <summary>Request timeout, custom host form and traceparent parsing.</summary>
public sealed class SimpleHeadersTests
{
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(600);

    [Theory]
    [InlineData("x-gateway-request-timeout", "1500", 1500)]
    [InlineData("x-portkey-request-timeout", " 250 ", 250)]
    [InlineData("x-gateway-request-timeout", "99999999999", 600_000)]
    public void Request_timeout_is_read_and_capped(string header, string value, int expectedMs)
    {
        Assert.Null(RequestTimeout.Read(new HeaderDictionary { [header] = value }, Max, out var timeout));
        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), timeout);
    }

    [Fact]
    public void No_request_timeout_is_the_edge_default()
    {
        Assert.Null(RequestTimeout.Read(new HeaderDictionary(), Max, out var timeout));
        Assert.Equal(Max, timeout);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-5")]
    [InlineData("1.5")]
    [InlineData("soon")]
    [InlineData("99999999999999999999999")]
    public void Invalid_request_timeouts_are_400(string value)
    {
        var error = RequestTimeout.Read(new HeaderDictionary { ["x-gateway-request-timeout"] = value }, Max, out _)!;

        Assert.Equal((400, "invalid_header"), (error.StatusCode, error.Code));
        Assert.Contains("x-gateway-request-timeout", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("x-gateway-custom-host", "http://127.0.0.1:11434/v1")]
    [InlineData("x-portkey-custom-host", "https://llm.example.com")]
    public void Custom_host_urls_are_read(string header, string value)
    {
        Assert.Null(CustomHostHeader.Read(new HeaderDictionary { [header] = value }, out var uri));
        Assert.Equal(new Uri(value), uri);
    }

    [Theory]
    [InlineData("llm.example.com")]
    [InlineData("ftp://llm.example.com")]
    [InlineData("https://user:pw@llm.example.com/v1")]
    [InlineData("https://llm.example.com/v1?key=1")]
    [InlineData("/v1")]
    public void Malformed_custom_hosts_are_400(string value)
    {
        var error = CustomHostHeader.Read(new HeaderDictionary { ["x-gateway-custom-host"] = value }, out _)!;

        Assert.Equal((400, "invalid_header"), (error.StatusCode, error.Code));
    }

    [Theory]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "4bf92f3577b34da6a3ce929d0e0e4736")]
    [InlineData("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-future", "4bf92f3577b34da6a3ce929d0e0e4736")]
    [InlineData("00-00000000000000000000000000000000-00f067aa0ba902b7-01", null)]
    [InlineData("00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01", null)]
    [InlineData("ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", null)]
    [InlineData("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra", null)]
    [InlineData("garbage", null)]
    public void Traceparent_trace_id_is_parsed_per_w3c(string traceParent, string? expected) =>
        Assert.Equal(expected, TraceIds.TraceParentTraceId(traceParent));

    [Fact]
    public void Explicit_trace_id_wins_over_traceparent()
    {
        var headers = new HeaderDictionary
        {
            ["x-portkey-trace-id"] = "mine",
            ["traceparent"] = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        };

        Assert.Equal("mine", TraceIds.Resolve(headers));
        headers.Remove("x-portkey-trace-id");
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", TraceIds.Resolve(headers));
    }
}
