using System.Net;
using Gateway.Testing;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Providers.OpenAiCompatible;

/// <summary><c>Providers:&lt;Name&gt;:BaseUrl</c> replaces a provider's default for keys that have no base URL of
/// their own (an Edge of its own, because the setting is read at start-up).</summary>
[Collection(EdgeCollection.Name)]
public sealed class ConfiguredBaseUrlTests(EdgeFixture fixture)
{
    [Fact]
    public async Task Configured_base_url_replaces_the_default_and_a_key_base_url_replaces_both()
    {
        await using var upstream = await FakeOpenAiServer.StartAsync();
        await using var other = await FakeOpenAiServer.StartAsync();
        var usage = new CapturingUsageRecorder();
        await using var edge = fixture.StartEdge(fixture.KeyVaultGrpcAddress, usage, new Dictionary<string, string?>
        {
            ["Providers:Groq:BaseUrl"] = upstream.Root() + "/openai/v1",
            ["Providers:Mistral:RequestStreamUsage"] = "true",
            ["Providers:Mistral:BaseUrl"] = upstream.BaseUrl,
        });
        var tenant = await fixture.CreateTenantAsync();
        var groq = await ProviderKeys.CreateAsync(fixture, tenant, "groq", baseUrl: "");
        var groqElsewhere = await ProviderKeys.CreateAsync(fixture, tenant, "groq", other.BaseUrl);
        var mistral = await ProviderKeys.CreateAsync(fixture, tenant, "mistral", baseUrl: "");
        using var client = edge.CreateHttpClient();

        using var viaConfig = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(), tenant, groq.Slug));
        using var viaKey = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(), tenant, groqElsewhere.Slug));
        using var streamed = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(stream: true), tenant, mistral.Slug));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK), (viaConfig.StatusCode, viaKey.StatusCode, streamed.StatusCode));
        Assert.Equal(["/openai/v1/chat/completions", "/v1/chat/completions"], upstream.Requests.Select(r => r.Path));
        Assert.Equal("/v1/chat/completions", Assert.Single(other.Requests).Path);
        // RequestStreamUsage turned on for Mistral by configuration.
        using var mistralBody = upstream.Requests[1].Json();
        Assert.True(mistralBody.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
    }
}
