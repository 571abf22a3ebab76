extern alias edge;

using edge::Gateway.Edge.Auth;

namespace Gateway.Edge.Tests.Auth;

public sealed class HostAllowListTests
{
    private static readonly string[] Patterns = ["llm.example.com", "*.internal.example", "127.0.0.1"];

    [Theory]
    [InlineData("llm.example.com", true)]
    [InlineData("LLM.Example.COM", true)]
    [InlineData("vllm.internal.example", true)]
    [InlineData("a.b.internal.example", true)]
    [InlineData("127.0.0.1", true)]
    [InlineData("internal.example", false)]
    [InlineData("evilinternal.example", false)]
    [InlineData("llm.example.com.evil.net", false)]
    [InlineData("other.example.com", false)]
    [InlineData("127.0.0.2", false)]
    public void Exact_hosts_and_wildcard_subdomains_match(string host, bool expected) =>
        Assert.Equal(expected, HostAllowList.Matches(Patterns, host));

    [Fact]
    public void An_empty_policy_allows_nothing() => Assert.False(HostAllowList.Matches([], "llm.example.com"));
}
