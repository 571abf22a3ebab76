using System.Net.Http.Headers;
using Gateway.Contracts.KeyVault.V1;
using Gateway.Testing;
using Gateway.Testing.Providers;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Edge.Tests.Routing;

/// <summary>What the routing tests share: a tenant, fake providers with a virtual key each, Config's admin API, and
/// chat requests carrying a routing config. Dispose it to stop the fakes.</summary>
internal sealed class RoutingHarness : IAsyncDisposable
{
    private readonly EdgeFixture _fixture;
    private readonly List<FakeOpenAiServer> _fakes = [];

    private RoutingHarness(EdgeFixture fixture, TestTenant tenant)
    {
        _fixture = fixture;
        Tenant = tenant;
    }

    public TestTenant Tenant { get; }

    public ConfigV1.Config.ConfigClient ConfigAdmin => _fixture.ConfigAdmin;

    public static Grpc.Core.Metadata Admin => TestSecrets.Bearer(TestSecrets.AdminToken);

    public static async Task<RoutingHarness> StartAsync(EdgeFixture fixture) => new(fixture, await fixture.CreateTenantAsync());

    /// <summary>A fake OpenAI server and a virtual key of the tenant pointing at it.</summary>
    public async Task<(FakeOpenAiServer Fake, string Slug)> ProviderAsync(string provider = "openai")
    {
        var fake = await FakeOpenAiServer.StartAsync();
        _fakes.Add(fake);
        var key = await _fixture.CreateVirtualKeyAsync(Tenant, provider, fake.BaseUrl);
        return (fake, key.Slug);
    }

    /// <summary>Another gateway key of the tenant, restricted by <paramref name="scopes"/>.</summary>
    public async Task<TestTenant> ScopedKeyAsync(ApiKeyScopes scopes)
    {
        var key = await _fixture.KeyVaultAdmin.CreateApiKeyAsync(
            new CreateApiKeyRequest { TenantId = Tenant.Id, Name = "scoped", Scopes = scopes }, Admin);
        return Tenant with { ApiKeyId = key.ApiKey.Id, ApiKey = key.Secret };
    }

    public async Task PutConfigAsync(string configId, string json) =>
        await ConfigAdmin.PutConfigAsync(new ConfigV1.PutConfigRequest { TenantId = Tenant.Id, ConfigId = configId, Json = json }, Admin);

    /// <summary>A chat request with the config in <c>x-gateway-config</c> (inline JSON or an id).</summary>
    public static HttpRequestMessage Chat(TestTenant tenant, string? config, string traceId, string? body = null, string? virtualKey = null)
    {
        var request = ChatRequests.Create(body ?? ChatRequests.Body(), tenant, virtualKey, traceId);
        if (config is not null)
        {
            request.Headers.Add("x-gateway-config", config);
        }

        return request;
    }

    public HttpRequestMessage Chat(string? config, string traceId, string? body = null) => Chat(Tenant, config, traceId, body);

    public static HttpRequestMessage Post(TestTenant tenant, string path, string? config, string traceId, string body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tenant.ApiKey);
        request.Headers.Add("x-gateway-trace-id", traceId);
        if (config is not null)
        {
            request.Headers.Add("x-gateway-config", config);
        }

        return request;
    }

    public static string Fallback(params string[] slugs) =>
        """{"strategy":{"mode":"fallback"},"targets":[""" + string.Join(",", slugs.Select(s => $$"""{"virtual_key":"{{s}}"}""")) + "]}";

    public static async Task<string> ErrorCodeAsync(HttpResponseMessage response)
    {
        using var json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return json.RootElement.GetProperty("error").GetProperty("code").GetString()!;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var fake in _fakes)
        {
            await fake.DisposeAsync();
        }
    }
}
