extern alias edge;

using edge::Gateway.Edge.Auth;
using Microsoft.AspNetCore.Http;

namespace Gateway.Edge.Tests.Auth;

public sealed class GatewayKeyReaderTests
{
    [Theory]
    [InlineData("Authorization", "Bearer gk-key")]
    [InlineData("x-api-key", "gk-key")]
    [InlineData("x-gateway-api-key", "gk-key")]
    [InlineData("x-portkey-api-key", "gk-key")]
    public void A_single_key_in_any_accepted_header_is_the_gateway_key(string header, string value)
    {
        var keys = GatewayKeyReader.Read(new HeaderDictionary { [header] = value });

        Assert.Equal(new RequestKeys("gk-key", null), keys);
    }

    [Fact]
    public void Bearer_wins_over_x_api_key_when_neither_is_a_gateway_header()
    {
        var keys = GatewayKeyReader.Read(new HeaderDictionary { ["Authorization"] = "Bearer gk-bearer", ["x-api-key"] = "gk-other" });

        Assert.Equal(new RequestKeys("gk-bearer", null), keys);
    }

    [Fact]
    public void With_the_gateway_key_in_its_own_header_bearer_is_the_provider_key()
    {
        var keys = GatewayKeyReader.Read(new HeaderDictionary
        {
            ["Authorization"] = "Bearer sk-provider",
            ["x-api-key"] = "sk-other",
            ["x-gateway-api-key"] = "gk-gateway",
            ["x-portkey-api-key"] = "gk-portkey",
        });

        Assert.Equal(new RequestKeys("gk-gateway", "sk-provider"), keys);
    }

    [Fact]
    public void With_the_gateway_key_in_its_own_header_x_api_key_is_the_provider_key()
    {
        var keys = GatewayKeyReader.Read(new HeaderDictionary { ["x-api-key"] = "sk-ant-provider", ["x-portkey-api-key"] = "gk-portkey" });

        Assert.Equal(new RequestKeys("gk-portkey", "sk-ant-provider"), keys);
    }

    [Fact]
    public void The_gateway_key_repeated_in_authorization_is_not_a_provider_key()
    {
        var keys = GatewayKeyReader.Read(new HeaderDictionary { ["Authorization"] = "Bearer gk-same", ["x-gateway-api-key"] = "gk-same" });

        Assert.Equal(new RequestKeys("gk-same", null), keys);
    }

    [Fact]
    public void Non_bearer_authorization_carries_no_key()
    {
        Assert.Equal(new RequestKeys(null, null), GatewayKeyReader.Read(new HeaderDictionary { ["Authorization"] = "Basic abc" }));
        Assert.Equal(new RequestKeys("gk", null),
            GatewayKeyReader.Read(new HeaderDictionary { ["Authorization"] = "Basic abc", ["x-gateway-api-key"] = "gk" }));
    }

    [Fact]
    public void No_key_is_null()
    {
        Assert.Null(GatewayKeyReader.Read(new HeaderDictionary()).GatewayKey);
        Assert.Null(GatewayKeyReader.Read(new HeaderDictionary { ["Authorization"] = "Bearer   ", ["x-api-key"] = " " }).GatewayKey);
    }

    [Fact]
    public void Keys_are_not_printed()
    {
        var text = new RequestKeys("gk-secret", "sk-secret").ToString();

        Assert.DoesNotContain("secret", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Cache_key_is_a_hash_not_the_key()
    {
        var cacheKey = KeyResolutionCache.ApiKeyCacheKey("gk-secret-value");

        Assert.DoesNotContain("gk-secret-value", cacheKey, StringComparison.Ordinal);
        Assert.Equal(cacheKey, KeyResolutionCache.ApiKeyCacheKey("gk-secret-value"));
        Assert.NotEqual(cacheKey, KeyResolutionCache.ApiKeyCacheKey("gk-secret-valuf"));
    }
}
