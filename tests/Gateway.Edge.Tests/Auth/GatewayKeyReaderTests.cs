extern alias edge;

using edge::Gateway.Edge.Auth;
using Microsoft.AspNetCore.Http;

namespace Gateway.Edge.Tests.Auth;

public sealed class GatewayKeyReaderTests
{
    [Fact]
    public void Authorization_bearer_wins_over_the_gateway_headers()
    {
        var headers = new HeaderDictionary
        {
            ["Authorization"] = "Bearer gk-bearer",
            ["x-gateway-api-key"] = "gk-gateway",
            ["x-portkey-api-key"] = "gk-portkey",
        };

        Assert.Equal("gk-bearer", GatewayKeyReader.Read(headers));
    }

    [Fact]
    public void Falls_back_to_x_gateway_api_key_then_x_portkey_api_key()
    {
        Assert.Equal("gk-gateway", GatewayKeyReader.Read(new HeaderDictionary
        {
            ["Authorization"] = "Basic abc",
            ["x-gateway-api-key"] = "gk-gateway",
            ["x-portkey-api-key"] = "gk-portkey",
        }));
        Assert.Equal("gk-portkey", GatewayKeyReader.Read(new HeaderDictionary { ["x-portkey-api-key"] = "gk-portkey" }));
    }

    [Fact]
    public void No_key_is_null()
    {
        Assert.Null(GatewayKeyReader.Read(new HeaderDictionary()));
        Assert.Null(GatewayKeyReader.Read(new HeaderDictionary { ["Authorization"] = "Bearer   " }));
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
