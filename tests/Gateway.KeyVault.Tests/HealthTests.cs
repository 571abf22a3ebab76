using System.Net;
using Grpc.Health.V1;

namespace Gateway.KeyVault.Tests;

[Collection(KeyVaultCollection.Name)]
public sealed class HealthTests(KeyVaultFixture fixture)
{
    [Fact]
    public async Task Grpc_health_check_reports_serving()
    {
        var health = new Health.HealthClient(fixture.Channel);

        var response = await health.CheckAsync(new HealthCheckRequest());

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, response.Status);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/alive")]
    public async Task Http_health_endpoints_return_ok(string path)
    {
        using var client = fixture.Host.CreateHttpClient();

        using var response = await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
