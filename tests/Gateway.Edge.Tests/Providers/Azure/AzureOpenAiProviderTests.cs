using System.Net;
using System.Text.Json;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Providers.Azure;

/// <summary>Azure OpenAI through the real Edge: the virtual key's base URL is the fake standing in for the resource
/// endpoint (<c>https://{resource}.openai.azure.com</c>); deployment and API version come from its extras.</summary>
[Collection(EdgeCollection.Name)]
public sealed class AzureOpenAiProviderTests(EdgeFixture fixture) : IAsyncLifetime
{
    private FakeOpenAiServer _resource = null!;
    private TestTenant _tenant = null!;

    public async Task InitializeAsync()
    {
        _resource = await FakeOpenAiServer.StartAsync();
        _resource.Usage = new FakeUsage(PromptTokens: 1000, CompletionTokens: 500, CachedTokens: 200, ReasoningTokens: 40);
        _tenant = await fixture.CreateTenantAsync();
    }

    public async Task DisposeAsync() => await _resource.DisposeAsync();

    [Fact]
    public async Task Request_goes_to_the_deployment_with_the_api_version_and_api_key_header_and_is_priced_as_openai()
    {
        var key = await CreateKeyAsync(new() { ["deployment"] = "gpt4o-mini-prod", ["api_version"] = "2025-01-01-preview" });
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();
        var body = ChatRequests.Body("gpt-4o-mini");

        using var response = await client.SendAsync(ChatRequests.Create(body, _tenant, key, traceId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = Assert.Single(_resource.Requests);
        Assert.Equal("/openai/deployments/gpt4o-mini-prod/chat/completions", upstream.Path);
        Assert.Equal("?api-version=2025-01-01-preview", upstream.QueryString);
        Assert.Equal("azure-secret", upstream.Headers["api-key"]);
        Assert.False(upstream.Headers.ContainsKey("Authorization"));
        Assert.Equal(body, upstream.BodyText);

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(("azure-openai", "gpt-4o-mini", 200), (usage.Provider, usage.Model, usage.StatusCode));
        Assert.Equal((800L, 200L, 500L), (usage.InputTokens, usage.CachedInputTokens, usage.OutputTokens));
        Assert.True(usage.Priced);
        Assert.Equal("0.000435", usage.CostUsd);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_deployment_name_as_model_is_priced_by_the_model_that_served_it(bool stream)
    {
        _resource.ServedModel = "gpt-4o-mini-2024-07-18";
        var key = await CreateKeyAsync(new() { ["deployment"] = "my-deployment" });
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body("my-deployment", stream), _tenant, key, traceId));
        await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var usage = await fixture.Usage.SingleAsync(traceId);
        // The event keeps the model the client asked for; the price is gpt-4o-mini's (the snapshot's prefix row).
        Assert.Equal(("my-deployment", "gpt-4o-mini-2024-07-18"), (usage.Model, Assert.Single(usage.Attempts).Model));
        Assert.True(usage.Priced);
        Assert.Equal("0.000435", usage.CostUsd);
    }

    [Fact]
    public async Task An_unknown_served_model_leaves_the_request_unpriced()
    {
        _resource.ServedModel = "some-private-finetune";
        var key = await CreateKeyAsync(new() { ["deployment"] = "my-deployment" });
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body("my-deployment"), _tenant, key, traceId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(("my-deployment", false, "0"), (usage.Model, usage.Priced, usage.CostUsd));
    }

    [Fact]
    public async Task Streaming_asks_for_usage_strips_it_again_and_defaults_the_api_version()
    {
        var key = await CreateKeyAsync(new() { ["deployment"] = "chat" });
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(stream: true), _tenant, key, traceId),
            HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        var events = await reader.ReadAllAsync();
        Assert.Equal(_resource.Answer, SseReader.Content(events));
        Assert.DoesNotContain(events, SseReader.IsUsageOnlyChunk);

        var upstream = Assert.Single(_resource.Requests);
        Assert.Equal("?api-version=2024-10-21", upstream.QueryString);
        using var sent = upstream.Json();
        Assert.True(sent.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(("azure-openai", true), (usage.Provider, usage.Stream));
        Assert.Equal((800L, 500L), (usage.InputTokens, usage.OutputTokens));
    }

    [Fact]
    public async Task Api_version_v1_uses_the_deployment_free_v1_path()
    {
        var key = await CreateKeyAsync(new() { ["api_version"] = "v1" }, baseUrlSuffix: "/openai/");
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(), _tenant, key));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = Assert.Single(_resource.Requests);
        Assert.Equal(("/openai/v1/chat/completions", ""), (upstream.Path, upstream.QueryString));
    }

    [Fact]
    public async Task Missing_deployment_is_a_configuration_error_naming_the_extra_and_nothing_is_sent()
    {
        var key = await CreateKeyAsync([]);
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(), _tenant, key, traceId));

        var error = await ReadErrorAsync(response);
        Assert.Equal(("configuration_error", "virtual_key_misconfigured"), (error.Type, error.Code));
        Assert.Contains("'deployment'", error.Message);
        Assert.Empty(_resource.Requests);
        Assert.Equal(422, (await fixture.Usage.SingleAsync(traceId)).StatusCode);
    }

    [Fact]
    public async Task Missing_resource_and_base_url_is_a_configuration_error_naming_the_extra()
    {
        var slug = (await ProviderKeys.CreateAsync(fixture, _tenant, "azure-openai", baseUrl: "",
            new Dictionary<string, string> { ["deployment"] = "chat" })).Slug;
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(), _tenant, slug));

        var error = await ReadErrorAsync(response);
        Assert.Equal("configuration_error", error.Type);
        Assert.Contains("'resource'", error.Message);
    }

    private async Task<string> CreateKeyAsync(Dictionary<string, string> extras, string baseUrlSuffix = "") =>
        (await ProviderKeys.CreateAsync(fixture, _tenant, "azure-openai", _resource.Root() + baseUrlSuffix, extras, credential: "azure-secret")).Slug;

    private static async Task<(string? Type, string? Code, string Message)> ReadErrorAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        return (error.GetProperty("type").GetString(), error.GetProperty("code").GetString(), error.GetProperty("message").GetString()!);
    }
}
