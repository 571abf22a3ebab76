using Gateway.Config.Policies;

namespace Gateway.Config.Tests.Policies;

public sealed class HostPatternsTests
{
    [Theory]
    [InlineData("llm.example.com")]
    [InlineData("*.example.com")]
    [InlineData("localhost")]
    [InlineData("10.0.0.7")]
    [InlineData("fd00::1")]
    [InlineData("xn--bcher-kva.example")]
    public void Valid_patterns_pass(string pattern)
    {
        var (patterns, errors) = HostPatterns.Normalise([pattern]);

        Assert.Empty(errors);
        Assert.Equal(pattern, Assert.Single(patterns));
    }

    [Theory]
    [InlineData("http://llm.example.com", "URL")]
    [InlineData("llm.example.com/v1", "URL")]
    [InlineData("llm.example.com:443", "port")]
    [InlineData("*", "'*'")]
    [InlineData("*.", "'*'")]
    [InlineData("api.*.com", "'*'")]
    [InlineData("-bad.example.com", "valid host")]
    [InlineData("bad..example.com", "valid host")]
    [InlineData("bücher.example", "punycode")]
    public void Invalid_patterns_say_why(string pattern, string reason)
    {
        var (_, errors) = HostPatterns.Normalise([pattern]);

        Assert.Contains(reason, Assert.Single(errors), StringComparison.Ordinal);
    }

    [Fact]
    public void Too_many_patterns_are_refused()
    {
        var many = Enumerable.Range(0, HostPatterns.MaxPatterns + 1).Select(i => $"h{i}.example.com").ToArray();

        var (_, errors) = HostPatterns.Normalise(many);

        Assert.Contains(errors, e => e.Contains("at most", StringComparison.Ordinal));
    }
}
