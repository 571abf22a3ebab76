using System.Net;
using Grpc.Reflection.V1Alpha;

namespace Gateway.Config.Tests;

[Collection(ConfigServiceCollection.Name)]
public sealed class HostingTests(ConfigServiceFixture fixture)
{
    [Fact]
    public async Task Health_IsOkWhenPostgresIsReachable()
    {
        using var http = fixture.Host.CreateHttpClient();

        using var response = await http.GetAsync(new Uri("/health", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Reflection_ListsTheConfigService()
    {
        var reflection = new ServerReflection.ServerReflectionClient(fixture.Channel);
        using var call = reflection.ServerReflectionInfo();

        await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        await call.RequestStream.CompleteAsync();

        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
        var services = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
        Assert.Contains("gateway.config.v1.Config", services);
    }
}
