using Gateway.Contracts.Cache.V1;
using Gateway.Testing;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.Extensions.Options;
using CacheV1 = Gateway.Contracts.Cache.V1;

namespace Gateway.Cache.Tests;

[Collection(CacheServiceCollection.Name)]
public sealed class CacheOptionsTests(CacheServiceFixture fixture)
{
    [Fact]
    public async Task MaxEntryBytes_FromConfiguration_IsTheLimit()
    {
        await using var host = new ServiceHost<Program>(Settings(("Cache:MaxEntryBytes", "1024"))).Start();
        using var channel = host.CreateGrpcChannel();
        var client = new CacheV1.Cache.CacheClient(channel);
        var auth = TestSecrets.Bearer(TestSecrets.InternalToken);
        var tenant = "t" + Guid.NewGuid().ToString("N");

        await client.PutAsync(new CachePutRequest { TenantId = tenant, Key = "fits", Value = ByteString.CopyFrom(new byte[1024]), TtlSeconds = 60 }, auth);
        var error = await Assert.ThrowsAsync<RpcException>(async () => await client.PutAsync(
            new CachePutRequest { TenantId = tenant, Key = "over", Value = ByteString.CopyFrom(new byte[1025]), TtlSeconds = 60 }, auth));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.True((await client.GetAsync(new CacheGetRequest { TenantId = tenant, Key = "fits" }, auth)).Found);
    }

    [Theory]
    [InlineData("Cache:MaxEntryBytes", "0")]
    [InlineData("Cache:OperationTimeout", "00:05:00")]
    public void InvalidOptions_StopTheServiceFromStarting(string key, string value)
    {
        using var host = new ServiceHost<Program>(Settings((key, value)));

        Assert.Throws<OptionsValidationException>(() => host.Start());
    }

    private Dictionary<string, string?> Settings((string Key, string Value) extra)
    {
        var settings = TestSecrets.Settings();
        settings["ConnectionStrings:redis"] = fixture.Redis.ConnectionString;
        settings[extra.Key] = extra.Value;
        return settings;
    }
}
