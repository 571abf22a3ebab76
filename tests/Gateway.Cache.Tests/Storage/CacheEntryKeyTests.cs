using Gateway.Cache.Storage;

namespace Gateway.Cache.Tests.Storage;

public sealed class CacheEntryKeyTests
{
    [Fact]
    public void ToRedisKey_PartitionsByTenantAndNamespace()
    {
        Assert.True(CacheEntryKey.TryCreate("acme", "docs", "abc123", out var key, out _));

        Assert.Equal("gw:cache:acme:docs:abc123", key.ToRedisKey());
    }

    [Fact]
    public void EmptyNamespace_MeansDefault()
    {
        Assert.True(CacheEntryKey.TryCreate("acme", "", "abc123", out var key, out _));

        Assert.Equal("default", key.Namespace);
        Assert.Equal("gw:cache:acme:default:abc123", key.ToRedisKey());
    }

    [Fact]
    public void Key_MayContainColons_BecauseItIsTheLastPart()
    {
        Assert.True(CacheEntryKey.TryCreate("acme", "docs", "openai:gpt-4o:abc", out var key, out _));

        Assert.Equal("gw:cache:acme:docs:openai:gpt-4o:abc", key.ToRedisKey());
    }

    [Theory]
    [InlineData(null, "ns", "k", "tenant_id is required.")]
    [InlineData("", "ns", "k", "tenant_id is required.")]
    [InlineData("a:b", "ns", "k", "tenant_id must not contain ':'.")]
    [InlineData("acme", "a:b", "k", "namespace must not contain ':'.")]
    [InlineData("acme", "ns", null, "key is required.")]
    [InlineData("acme", "ns", "", "key is required.")]
    public void TryCreate_RejectsBadParts(string? tenant, string? @namespace, string? key, string expectedError)
    {
        Assert.False(CacheEntryKey.TryCreate(tenant, @namespace, key, out _, out var error));

        Assert.Equal(expectedError, error);
    }

    [Theory]
    [InlineData("acme", null, "gw:cache:acme:*")]
    [InlineData("acme", "docs", "gw:cache:acme:docs:*")]
    [InlineData("a*b", "n?[x]", @"gw:cache:a\*b:n\?\[x\]:*")]
    [InlineData(@"back\slash", null, @"gw:cache:back\\slash:*")]
    public void MatchPattern_EscapesGlobCharacters(string tenant, string? @namespace, string expected)
    {
        Assert.Equal(expected, CacheEntryKey.MatchPattern(tenant, @namespace));
    }
}
