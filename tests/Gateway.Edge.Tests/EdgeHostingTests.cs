using System.Net;

namespace Gateway.Edge.Tests;

[Collection(EdgeCollection.Name)]
public sealed class EdgeHostingTests(EdgeFixture fixture)
{
    [Theory]
    [InlineData("/health")]
    [InlineData("/alive")]
    public async Task Health_endpoints_answer(string path)
    {
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Unknown_api_path_echoes_the_trace_id()
    {
        using var client = fixture.Edge.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/nothing-here");
        request.Headers.Add("x-gateway-trace-id", "trace-404");

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("trace-404", Assert.Single(response.Headers.GetValues("x-gateway-trace-id")));
    }
}
