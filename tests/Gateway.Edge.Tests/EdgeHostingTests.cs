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
    public async Task Other_api_paths_echo_the_trace_id_even_when_refused()
    {
        using var client = fixture.Edge.CreateHttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/nothing-here");
        request.Headers.Add("x-gateway-trace-id", "trace-401");

        using var response = await client.SendAsync(request);

        // Passed through to the provider only with a gateway key.
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("trace-401", Assert.Single(response.Headers.GetValues("x-gateway-trace-id")));
    }
}
