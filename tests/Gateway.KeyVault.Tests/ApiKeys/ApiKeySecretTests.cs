using Gateway.KeyVault.ApiKeys;

namespace Gateway.KeyVault.Tests.ApiKeys;

public sealed class ApiKeySecretTests
{
    [Fact]
    public void Generated_keys_are_well_formed_distinct_and_carry_their_prefix()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 1000; i++)
        {
            var (secret, prefix) = ApiKeySecret.Generate();

            Assert.True(ApiKeySecret.IsWellFormed(secret), secret);
            Assert.StartsWith(prefix + "_", secret, StringComparison.Ordinal);
            Assert.Equal(ApiKeySecret.PrefixLength, prefix.Length);
            Assert.True(seen.Add(secret));
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("gwk_")]
    [InlineData("gwk_AAAAAAAA-BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB")]
    [InlineData("gwx_AAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB")]
    [InlineData("gwk_AAAA-AAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB")]
    [InlineData("gwk_AAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB")]
    [InlineData("gwk_AAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBé")]
    public void Malformed_keys_are_recognised_without_a_lookup(string value) =>
        Assert.False(ApiKeySecret.IsWellFormed(value));
}
