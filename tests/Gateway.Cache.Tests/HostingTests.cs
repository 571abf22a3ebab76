using System.Net;
using Grpc.Reflection.V1Alpha;

namespace Gateway.Cache.Tests;

[Collection(CacheServiceCollection.Name)]
public sealed class HostingTests(CacheServiceFixture fixture)
{
    [Fact]
    public async Task Health_IsOkWhenRedisIsReachable()
    {
        using var http = fixture.Host.CreateHttpClient();

        using var response = await http.GetAsync(new Uri("/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Reflection_ListsTheCacheService()
    {
        using var channel = fixture.Host.CreateGrpcChannel();
        using var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("gateway.cache.v1.Cache", services);
    }
}
