using System.Net;
using System.Text.Json;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Providers.Unsupported;

[Collection(EdgeCollection.Name)]
public sealed class UnsupportedProviderTests(EdgeFixture fixture)
{
    [Theory]
    [InlineData("bedrock", "SigV4")]
    [InlineData("vertex", "service-account")]
    public async Task Provider_answers_501_with_what_to_use_instead_and_nothing_is_sent(string provider, string reason)
    {
        await using var upstream = await FakeOpenAiServer.StartAsync();
        var tenant = await fixture.CreateTenantAsync();
        // Even a key with a reachable base URL must not make the gateway send anything.
        var key = await ProviderKeys.CreateAsync(fixture, tenant, provider, upstream.BaseUrl);
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(stream: true), tenant, key.Slug, traceId));

        Assert.Equal(HttpStatusCode.NotImplemented, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal("provider_not_supported", error.GetProperty("code").GetString());
        var message = error.GetProperty("message").GetString()!;
        Assert.StartsWith($"Provider '{provider}' is not supported yet by this gateway", message);
        Assert.Contains(reason, message);
        Assert.Contains("use the", message);
        Assert.Empty(upstream.Requests);

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((provider, 501, "provider_not_supported"), (usage.Provider, usage.StatusCode, usage.ErrorType));
        Assert.Empty(usage.Attempts);
    }
}
