using System.Net;
using System.Text.Json;
using Gateway.Testing;
using Gateway.Testing.Providers;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Edge.Tests.ChatCompletions;

/// <summary><c>x-gateway-custom-host</c>: only hosts the tenant policy (in the real Config service) lists, and never a
/// private address unless the policy allows private hosts. The fake provider listens on loopback, so reaching it
/// needs both.</summary>
[Collection(EdgeCollection.Name)]
public sealed class CustomHostTests(EdgeFixture fixture) : IAsyncLifetime
{
    private FakeOpenAiServer _provider = null!;

    public async Task InitializeAsync()
    {
        _provider = await FakeOpenAiServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
    }

    [Theory]
    [InlineData("x-gateway-custom-host")]
    [InlineData("x-portkey-custom-host")]
    public async Task Allowed_private_host_with_a_passthrough_key_is_reached(string header)
    {
        var tenant = await TenantWithPolicyAsync(allowPrivate: true, "127.0.0.1");

        var (status, traceId) = await SendAsync(("x-gateway-api-key", tenant.ApiKey), ("Authorization", "Bearer sk-local"),
            (header, _provider.BaseUrl));

        Assert.Equal(HttpStatusCode.OK, status);
        var upstream = Assert.Single(_provider.Requests);
        Assert.Equal("/v1/chat/completions", upstream.Path);
        Assert.Equal("Bearer sk-local", upstream.Headers["Authorization"]);
        Assert.False(upstream.Headers.ContainsKey(header));
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((tenant.Id, "", "openai", 200, 12L), (usage.TenantId, usage.VirtualKeyId, usage.Provider, usage.StatusCode, usage.InputTokens));
    }

    [Fact]
    public async Task A_virtual_key_lends_its_credential_to_the_custom_host()
    {
        var tenant = await TenantWithPolicyAsync(allowPrivate: true, "*.invalid", "127.0.0.1");
        var virtualKey = await fixture.CreateVirtualKeyAsync(tenant, "openai", "https://never-used.invalid/v1", credential: "sk-vk");

        var (status, traceId) = await SendAsync(("Authorization", "Bearer " + tenant.ApiKey), ("x-gateway-virtual-key", virtualKey.Slug),
            ("x-gateway-provider", "openai"), ("x-gateway-custom-host", _provider.BaseUrl));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("Bearer sk-vk", Assert.Single(_provider.Requests).Headers["Authorization"]);
        Assert.Equal(virtualKey.Id, (await fixture.Usage.SingleAsync(traceId)).VirtualKeyId);
    }

    [Fact]
    public async Task A_keyless_local_server_needs_no_credential()
    {
        var tenant = await TenantWithPolicyAsync(allowPrivate: true, "127.0.0.1");

        var (status, _) = await SendAsync(("Authorization", "Bearer " + tenant.ApiKey), ("x-gateway-custom-host", _provider.BaseUrl));

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(Assert.Single(_provider.Requests).Headers.ContainsKey("Authorization"),
            "no credential means no Authorization header, not an empty Bearer");
    }

    [Fact]
    public async Task A_host_missing_from_the_policy_is_403()
    {
        var tenant = await TenantWithPolicyAsync(allowPrivate: true, "llm.example.com");

        var (status, traceId) = await SendAsync(("Authorization", "Bearer " + tenant.ApiKey), ("x-gateway-custom-host", _provider.BaseUrl));

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("custom_host_not_allowed", (await fixture.Usage.SingleAsync(traceId)).ErrorType);
        Assert.Empty(_provider.Requests);
    }

    [Fact]
    public async Task A_tenant_without_a_policy_may_use_no_custom_host()
    {
        var tenant = await fixture.CreateTenantAsync();

        var (status, _) = await SendAsync(("Authorization", "Bearer " + tenant.ApiKey), ("x-gateway-custom-host", _provider.BaseUrl));

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Empty(_provider.Requests);
    }

    [Theory]
    [InlineData("127.0.0.1", null)]
    [InlineData("localhost", "localhost")]
    [InlineData("169.254.169.254", "169.254.169.254")]
    [InlineData("::1", "[::1]")]
    public async Task Private_addresses_are_403_unless_the_policy_allows_them(string pattern, string? urlHost)
    {
        var tenant = await TenantWithPolicyAsync(allowPrivate: false, pattern);
        var url = urlHost is null ? _provider.BaseUrl : $"http://{urlHost}:{new Uri(_provider.BaseUrl).Port}/v1";

        var (status, traceId) = await SendAsync(("Authorization", "Bearer " + tenant.ApiKey), ("x-gateway-custom-host", url));

        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal("custom_host_private_address", (await fixture.Usage.SingleAsync(traceId)).ErrorType);
        Assert.Empty(_provider.Requests);
    }

    [Fact]
    public async Task A_custom_host_speaks_openai_only()
    {
        var tenant = await TenantWithPolicyAsync(allowPrivate: true, "127.0.0.1");

        var (status, traceId) = await SendAsync(("Authorization", "Bearer " + tenant.ApiKey), ("x-gateway-provider", "anthropic"),
            ("x-gateway-custom-host", _provider.BaseUrl));

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("custom_host_provider", (await fixture.Usage.SingleAsync(traceId)).ErrorType);
        Assert.Empty(_provider.Requests);
    }

    private async Task<TestTenant> TenantWithPolicyAsync(bool allowPrivate, params string[] hosts)
    {
        var tenant = await fixture.CreateTenantAsync();
        var put = new ConfigV1.PutTenantPolicyRequest { TenantId = tenant.Id, AllowPrivateHosts = allowPrivate };
        put.AllowedCustomHosts.AddRange(hosts);
        await fixture.ConfigAdmin.PutTenantPolicyAsync(put, TestSecrets.Bearer(TestSecrets.AdminToken));
        return tenant;
    }

    private async Task<(HttpStatusCode Status, string TraceId)> SendAsync(params (string Name, string Value)[] headers)
    {
        var traceId = ChatRequests.NewTraceId();
        using var request = ChatRequests.Create(ChatRequests.Body(), null, null, traceId);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        using var client = fixture.Edge.CreateHttpClient();
        using var response = await client.SendAsync(request);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.False(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("error").GetProperty("message").GetString()));
        }

        return (response.StatusCode, traceId);
    }
}
