extern alias edge;

using System.Net;
using Gateway.Contracts.KeyVault.V1;
using Gateway.Edge.Tests.Changes;
using Gateway.Testing;
using Gateway.Testing.Providers;
using edge::Gateway.Edge.Auth;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Edge.Tests.Resilience;

/// <summary>The Edge's Watch streams coming back (READY) while KeyVault's and Config's answers still fail, e.g. right
/// after a PostgreSQL restart: the cached answers are asked again, but while that fails they are served stale instead
/// of being dropped (which answered 503). Revocations stay strict: a revoked key is never served from a cached copy.</summary>
[Collection(EdgeCollection.Name)]
public sealed class WatchResyncTests(EdgeFixture fixture) : IAsyncLifetime
{
    private const string Invalidations = "gateway.edge.cache.invalidations";
    private const string Disconnects = "gateway.edge.watch.disconnects";
    private const string StaleServed = KeyResolutionCache.StaleServedName;
    private static readonly Grpc.Core.Metadata Admin = TestSecrets.Bearer(TestSecrets.AdminToken);

    private FakeOpenAiServer _provider = null!;

    public async Task InitializeAsync() => _provider = await FakeOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    [Fact]
    public async Task Cached_answers_are_served_stale_when_the_dependencies_fail_right_after_a_resync()
    {
        // Cut off until the Edge's counters are watched, so no READY goes unseen.
        await using var keyVault = new TcpForwarder(fixture.KeyVaultGrpcAddress.Port, cut: true);
        await using var config = new TcpForwarder(fixture.ConfigGrpcAddress.Port, cut: true);
        await using var edgeHost = StartEdge(keyVault.Address, config.Address);
        using var counters = new EdgeCounters(edgeHost.Services, "kind", Invalidations, StaleServed);
        using var disconnects = new EdgeCounters(edgeHost.Services, "source", Disconnects);
        var (tenant, configId) = await SetUpAsync();
        using var client = edgeHost.CreateHttpClient();
        keyVault.Reconnect();
        config.Reconnect();
        await counters.WaitForAsync(Invalidations, "ready", 2, "both watch streams");
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, tenant.ApiKey, configId));

        // Both streams break and come back: each says READY, so whatever changed meanwhile is asked again.
        var (keyVaultBreaks, configBreaks) = (disconnects.Total(Disconnects, "KeyVault"), disconnects.Total(Disconnects, "Config"));
        keyVault.Cut();
        config.Cut();
        await disconnects.WaitForAsync(Disconnects, "KeyVault", keyVaultBreaks + 1, "the KeyVault stream to break");
        await disconnects.WaitForAsync(Disconnects, "Config", configBreaks + 1, "the Config stream to break");
        keyVault.Reconnect();
        config.Reconnect();
        await counters.WaitForAsync(Invalidations, "ready", 4, "both watch streams to resync");

        // The asking fails (the services cannot reach their database yet): the copies bridge it.
        keyVault.Cut();
        config.Cut();
        var response = await SendForBodyAsync(client, tenant.ApiKey, configId);
        Assert.True(response.Status == HttpStatusCode.OK, $"{response.Status}: {response.Body}");
        Assert.Contains("api", counters.Tags(StaleServed));
        Assert.Contains("vk", counters.Tags(StaleServed));
        Assert.Contains("policy", counters.Tags(StaleServed));
        Assert.Contains("config", counters.Tags(StaleServed));
    }

    [Fact]
    public async Task A_revoked_key_is_dropped_at_once_while_the_other_keys_keep_their_copies()
    {
        await using var keyVault = new TcpForwarder(fixture.KeyVaultGrpcAddress.Port, cut: true);
        await using var config = new TcpForwarder(fixture.ConfigGrpcAddress.Port, cut: true);
        await using var edgeHost = StartEdge(keyVault.Address, config.Address);
        using var counters = new EdgeCounters(edgeHost.Services, "kind", Invalidations);
        // One stream at a time, so each READY counted is known to be whose.
        config.Reconnect();
        await counters.WaitForAsync(Invalidations, "ready", 1, "the Config stream");
        keyVault.Reconnect();
        var (tenant, configId) = await SetUpAsync();
        var other = await fixture.KeyVaultAdmin.CreateApiKeyAsync(new CreateApiKeyRequest { TenantId = tenant.Id, Name = "other" }, Admin);
        using var client = edgeHost.CreateHttpClient();
        await counters.WaitForAsync(Invalidations, "ready", 2, "the KeyVault stream");
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, tenant.ApiKey, configId));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, other.Secret, configId));

        await fixture.KeyVaultAdmin.RevokeApiKeyAsync(new RevokeApiKeyRequest { TenantId = tenant.Id, Id = tenant.ApiKeyId }, Admin);
        await counters.WaitForAsync(Invalidations, "api_key", 1, "the revocation event");

        // KeyVault unreachable: the revoked key has no copy left to serve, the other key still has its own.
        keyVault.Cut();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await SendAsync(client, tenant.ApiKey, configId));
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, other.Secret, configId));
    }

    [Fact]
    public async Task A_key_revoked_while_the_edge_was_not_listening_is_refused_after_the_resync_and_never_served_stale()
    {
        await using var keyVault = new TcpForwarder(fixture.KeyVaultGrpcAddress.Port, cut: true);
        await using var config = new TcpForwarder(fixture.ConfigGrpcAddress.Port, cut: true);
        await using var edgeHost = StartEdge(keyVault.Address, config.Address);
        using var counters = new EdgeCounters(edgeHost.Services, "kind", Invalidations);
        // One stream at a time, so each READY counted is known to be whose.
        config.Reconnect();
        await counters.WaitForAsync(Invalidations, "ready", 1, "the Config stream");
        keyVault.Reconnect();
        var (tenant, configId) = await SetUpAsync();
        using var client = edgeHost.CreateHttpClient();
        await counters.WaitForAsync(Invalidations, "ready", 2, "the KeyVault stream");
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, tenant.ApiKey, configId));

        keyVault.Cut();
        // Straight to KeyVault: the Edge's stream is down and misses the event.
        await fixture.KeyVaultAdmin.RevokeApiKeyAsync(new RevokeApiKeyRequest { TenantId = tenant.Id, Id = tenant.ApiKeyId }, Admin);
        keyVault.Reconnect();
        await counters.WaitForAsync(Invalidations, "ready", 3, "the KeyVault stream to resync");

        Assert.Equal(HttpStatusCode.Unauthorized, await SendAsync(client, tenant.ApiKey, configId));
        keyVault.Cut();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await SendAsync(client, tenant.ApiKey, configId));
    }

    /// <summary>Long TTLs, so only the watch events decide what is asked again; no negative caching, so a refusal is
    /// never remembered in place of the entry it replaces.</summary>
    private ServiceHost<edge::Program> StartEdge(Uri keyVaultAddress, Uri configAddress) =>
        fixture.StartEdge(keyVaultAddress, new CapturingUsageRecorder(), new()
        {
            ["services:config:grpc:0"] = configAddress.ToString(),
            ["Edge:KeyCacheTtl"] = "00:10:00",
            ["Edge:TenantPolicyCacheTtl"] = "00:10:00",
            ["Edge:NegativeKeyCacheTtl"] = "00:00:00",
            ["Edge:DependencyTimeout"] = "00:00:02",
            ["Edge:ChangeWatch:InitialBackoff"] = "00:00:00.050",
            ["Edge:ChangeWatch:MaxBackoff"] = "00:00:00.200",
        });

    private async Task<(TestTenant Tenant, string ConfigId)> SetUpAsync()
    {
        var tenant = await fixture.CreateTenantAsync();
        var virtualKey = await fixture.CreateVirtualKeyAsync(tenant, "openai", _provider.BaseUrl);
        await fixture.ConfigAdmin.PutTenantPolicyAsync(new ConfigV1.PutTenantPolicyRequest { TenantId = tenant.Id }, Admin);
        var configId = "resync-" + Guid.NewGuid().ToString("N")[..8];
        await fixture.ConfigAdmin.PutConfigAsync(new ConfigV1.PutConfigRequest
        {
            TenantId = tenant.Id,
            ConfigId = configId,
            Json = $$"""{"strategy":{"mode":"fallback"},"targets":[{"virtual_key":"{{virtualKey.Slug}}"}]}""",
        }, Admin);
        return (tenant, configId);
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, string apiKey, string configId) =>
        (await SendForBodyAsync(client, apiKey, configId)).Status;

    /// <summary>Routed by the config (its one target is the virtual key), so the request reads all four kinds.</summary>
    private static async Task<(HttpStatusCode Status, string Body)> SendForBodyAsync(HttpClient client, string apiKey, string configId)
    {
        using var request = ChatRequests.Create(ChatRequests.Body(), null, null, ChatRequests.NewTraceId());
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        request.Headers.Add("x-gateway-config", configId);
        using var response = await client.SendAsync(request);
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }
}
