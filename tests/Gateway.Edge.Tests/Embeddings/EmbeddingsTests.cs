using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text.Json;
using Gateway.Edge.Tests.Pipeline;
using Gateway.Edge.Tests.Providers;
using Gateway.Testing.Providers;
using OpenAI;
using OpenAI.Embeddings;

namespace Gateway.Edge.Tests.Embeddings;

[Collection(EdgeCollection.Name)]
public sealed class EmbeddingsTests(EdgeFixture fixture) : IAsyncLifetime
{
    private const string Path = "/v1/embeddings";

    private FakeOpenAiServer _provider = null!;
    private TestTenant _tenant = null!;
    private string _virtualKey = "";

    public async Task InitializeAsync()
    {
        _provider = await FakeOpenAiServer.StartAsync();
        _provider.Usage = new FakeUsage(PromptTokens: 1000, CompletionTokens: 0);
        _tenant = await fixture.CreateTenantAsync();
        _virtualKey = (await fixture.CreateVirtualKeyAsync(_tenant, "openai", _provider.BaseUrl, credential: "sk-upstream-secret")).Slug;
    }

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    [Fact]
    public async Task Request_is_forwarded_byte_for_byte_and_prompt_tokens_are_billed_as_input()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();
        const string body = """{"model":"text-embedding-3-small","input":["first text","second text"]}""";

        using var response = await client.SendAsync(EdgeRequests.Create(HttpMethod.Post, Path, _tenant, _virtualKey, traceId, body));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(2, json.RootElement.GetProperty("data").GetArrayLength());
        var upstream = Assert.Single(_provider.Requests);
        Assert.Equal("/v1/embeddings", upstream.Path);
        Assert.Equal(body, upstream.BodyText);
        Assert.Equal("Bearer sk-upstream-secret", upstream.Headers["Authorization"]);

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(("openai", "text-embedding-3-small", Path, 200), (usage.Provider, usage.Model, usage.Endpoint, usage.StatusCode));
        Assert.Equal((1000L, 0L), (usage.InputTokens, usage.OutputTokens));
        // text-embedding-3-small: 0.02 per 1M input tokens.
        Assert.Equal("0.00002", usage.CostUsd);
        Assert.True(usage.Priced);
    }

    [Fact]
    public async Task The_official_OpenAI_client_gets_its_embedding_through_the_gateway()
    {
        var traceId = ChatRequests.NewTraceId();
        var client = EmbeddingClientFor(_virtualKey, traceId);

        var embedding = await client.GenerateEmbeddingAsync("The gateway embeds this.");

        var vector = embedding.Value.ToFloats();
        Assert.Equal(_provider.EmbeddingDimensions, vector.Length);
        Assert.Equal(0.1f, vector.Span[0], 5);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((1000L, "0.00002"), (usage.InputTokens, usage.CostUsd));
        Assert.Equal(_tenant.Id, usage.TenantId);
    }

    [Fact]
    public async Task The_mock_provider_answers_deterministic_vectors_with_usage()
    {
        var mockKey = (await fixture.CreateVirtualKeyAsync(_tenant, "mock")).Slug;
        var traceId = ChatRequests.NewTraceId();
        var client = EmbeddingClientFor(mockKey, traceId);

        var first = await client.GenerateEmbeddingsAsync(["hello world", "something else"]);
        var again = await EmbeddingClientFor(mockKey, ChatRequests.NewTraceId()).GenerateEmbeddingAsync("hello world");

        var vectors = first.Value;
        Assert.Equal(2, vectors.Count);
        Assert.Equal(8, vectors[0].ToFloats().Length);
        Assert.Equal(vectors[0].ToFloats().ToArray(), again.Value.ToFloats().ToArray());
        Assert.NotEqual(vectors[0].ToFloats().ToArray(), vectors[1].ToFloats().ToArray());
        var norm = Math.Sqrt(vectors[1].ToFloats().ToArray().Sum(v => (double)v * v));
        Assert.Equal(1.0, norm, 4);

        // "hello world" (11 characters) and "something else" (14): 3 + 4 estimated tokens, priced as OpenAI's model.
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(("mock", 7L), (usage.Provider, usage.InputTokens));
        Assert.Equal("0.00000014", usage.CostUsd);
        Assert.Empty(_provider.Requests);
    }

    [Fact]
    public async Task Mock_answers_floats_when_asked_and_honours_dimensions()
    {
        var mockKey = (await fixture.CreateVirtualKeyAsync(_tenant, "mock")).Slug;
        using var client = fixture.Edge.CreateHttpClient();
        const string body = """{"model":"text-embedding-3-small","input":"abc","dimensions":3,"encoding_format":"float"}""";

        using var response = await client.SendAsync(EdgeRequests.Create(HttpMethod.Post, Path, _tenant, mockKey, ChatRequests.NewTraceId(), body));

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var data = Assert.Single(json.RootElement.GetProperty("data").EnumerateArray().ToArray());
        Assert.Equal(3, data.GetProperty("embedding").GetArrayLength());
        Assert.Equal("list", json.RootElement.GetProperty("object").GetString());
        Assert.Equal(1, json.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
    }

    [Fact]
    public async Task Anthropic_has_no_embeddings_and_nothing_is_sent()
    {
        var anthropicKey = (await fixture.CreateVirtualKeyAsync(_tenant, "anthropic", _provider.Root())).Slug;
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(EdgeRequests.Create(HttpMethod.Post, Path, _tenant, anthropicKey, traceId,
            """{"model":"claude-sonnet-4-5","input":"x"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("embeddings are not offered by anthropic.", json.RootElement.GetProperty("error").GetProperty("message").GetString());
        Assert.Empty(_provider.Requests);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((400, "unsupported_endpoint", "anthropic"), (usage.StatusCode, usage.ErrorType, usage.Provider));
    }

    [Fact]
    public async Task Azure_calls_the_deployments_embeddings_operation_with_its_api_key()
    {
        var azureKey = await ProviderKeys.CreateAsync(fixture, _tenant, "azure-openai", _provider.Root(),
            new Dictionary<string, string> { ["deployment"] = "embed-small", ["api_version"] = "2024-10-21" });
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(EdgeRequests.Create(HttpMethod.Post, Path, _tenant, azureKey.Slug,
            ChatRequests.NewTraceId(), """{"model":"text-embedding-3-small","input":"x"}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var upstream = Assert.Single(_provider.Requests);
        Assert.Equal("/openai/deployments/embed-small/embeddings", upstream.Path);
        Assert.Equal("?api-version=2024-10-21", upstream.QueryString);
        Assert.Equal("sk-provider-secret", upstream.Headers["api-key"]);
        Assert.False(upstream.Headers.ContainsKey("Authorization"));
    }

    [Fact]
    public async Task Body_without_input_is_refused_before_the_provider()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(EdgeRequests.Create(HttpMethod.Post, Path, _tenant, _virtualKey, traceId,
            """{"model":"text-embedding-3-small"}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Empty(_provider.Requests);
        Assert.Equal("missing_input", (await fixture.Usage.SingleAsync(traceId)).ErrorType);
    }

    [Fact]
    public async Task Unknown_gateway_key_is_401_for_the_sdk_too()
    {
        var options = new OpenAIClientOptions { Endpoint = new Uri(fixture.Edge.HttpAddress, "/v1") };
        options.AddPolicy(new GatewayHeaderPolicy("x-gateway-virtual-key", _virtualKey), PipelinePosition.PerCall);
        var client = new EmbeddingClient("text-embedding-3-small", new ApiKeyCredential("gwk_unknown_" + new string('x', 32)), options);

        var error = await Assert.ThrowsAsync<ClientResultException>(() => client.GenerateEmbeddingAsync("x"));

        Assert.Equal(401, error.Status);
        Assert.Empty(_provider.Requests);
    }

    private EmbeddingClient EmbeddingClientFor(string virtualKey, string traceId)
    {
        var options = new OpenAIClientOptions { Endpoint = new Uri(fixture.Edge.HttpAddress, "/v1") };
        options.AddPolicy(new GatewayHeaderPolicy("x-gateway-virtual-key", virtualKey), PipelinePosition.PerCall);
        options.AddPolicy(new GatewayHeaderPolicy("x-gateway-trace-id", traceId), PipelinePosition.PerCall);
        return new EmbeddingClient("text-embedding-3-small", new ApiKeyCredential(_tenant.ApiKey), options);
    }
}
