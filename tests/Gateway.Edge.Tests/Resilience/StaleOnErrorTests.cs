extern alias config;
extern alias edge;
extern alias keyvault;

using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Net;
using Gateway.Contracts.KeyVault.V1;
using Gateway.Testing;
using Gateway.Testing.Providers;
using edge::Gateway.Edge.Auth;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Edge.Tests.Resilience;

/// <summary>KeyVault and Config (their own hosts and PostgreSQL) down after an Edge has warmed its caches with a
/// one-second TTL: known keys, virtual keys, policies and configs keep serving past their TTL; a key never seen gets
/// 503, and a key revoked before the outage stays refused.</summary>
[Collection(EdgeCollection.Name)]
public sealed class StaleOnErrorTests(EdgeFixture fixture, Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly Metadata Admin = TestSecrets.Bearer(TestSecrets.AdminToken);

    [Fact]
    public async Task Known_answers_are_served_stale_while_keyvault_and_config_are_down()
    {
        await using var provider = await FakeOpenAiServer.StartAsync();
        await using var postgres = await PostgresServer.StartAsync();
        var keyVaultSettings = TestSecrets.Settings();
        keyVaultSettings["ConnectionStrings:keyvaultdb"] = await postgres.CreateDatabaseAsync("keyvaultdb");
        keyVaultSettings["KeyVault:MasterKey"] = TestSecrets.MasterKey;
        var keyVaultHost = new ServiceHost<keyvault::Program>(keyVaultSettings).Start();
        var configSettings = TestSecrets.Settings();
        configSettings["ConnectionStrings:configdb"] = await postgres.CreateDatabaseAsync("configdb");
        var configHost = new ServiceHost<config::Program>(configSettings).Start();
        try
        {
            var setup = await SetUpAsync(keyVaultHost, configHost, provider.BaseUrl);
            await using var edgeHost = StartEdge(keyVaultHost, configHost);
            using var stale = new StaleCounter(edgeHost.Services);
            using var client = edgeHost.CreateHttpClient();

            // Revoked while everything is up: refused from then on.
            Assert.Equal(HttpStatusCode.OK, await SendAsync(client, setup.Revoked, setup));
            using (var keyVaultChannel = keyVaultHost.CreateGrpcChannel())
            {
                await new KeyVaultAdmin.KeyVaultAdminClient(keyVaultChannel).RevokeApiKeyAsync(
                    new RevokeApiKeyRequest { TenantId = setup.TenantId, Id = setup.RevokedId }, Admin);
            }

            await PollAsync(async () => await SendAsync(client, setup.Revoked, setup) == HttpStatusCode.Unauthorized, "the revocation");
            Assert.Equal(HttpStatusCode.OK, await SendAsync(client, setup.Key, setup));

            await configHost.DisposeAsync();
            await keyVaultHost.DisposeAsync();
            await ExpiredAsync(edgeHost, setup);

            var firstStale = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal(HttpStatusCode.OK, await SendAsync(client, setup.Key, setup));
            output.WriteLine($"first request after the TTL, dependencies down: {firstStale.Elapsed.TotalMilliseconds:F0} ms");
            var nextStale = System.Diagnostics.Stopwatch.StartNew();
            Assert.Equal(HttpStatusCode.OK, await SendAsync(client, setup.Key, setup));
            output.WriteLine($"next request (refresh postponed): {nextStale.Elapsed.TotalMilliseconds:F0} ms");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await SendAsync(client, setup.Unseen, setup));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await SendAsync(client, setup.Revoked, setup));
            Assert.Contains(("keyvault", "api"), stale.Seen);
            Assert.Contains(("keyvault", "vk"), stale.Seen);
            Assert.Contains(("config", "policy"), stale.Seen);
            Assert.Contains(("config", "config"), stale.Seen);
        }
        finally
        {
            await configHost.DisposeAsync();
            await keyVaultHost.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_postgresql_restart_is_served_from_the_edge_caches()
    {
        await using var provider = await FakeOpenAiServer.StartAsync();
        await using var postgres = await PostgresServer.StartAsync();
        var keyVaultSettings = TestSecrets.Settings();
        keyVaultSettings["ConnectionStrings:keyvaultdb"] = await postgres.CreateDatabaseAsync("keyvaultdb");
        keyVaultSettings["KeyVault:MasterKey"] = TestSecrets.MasterKey;
        await using var keyVaultHost = new ServiceHost<keyvault::Program>(keyVaultSettings).Start();
        var configSettings = TestSecrets.Settings();
        configSettings["ConnectionStrings:configdb"] = await postgres.CreateDatabaseAsync("configdb");
        await using var configHost = new ServiceHost<config::Program>(configSettings).Start();
        var setup = await SetUpAsync(keyVaultHost, configHost, provider.BaseUrl);
        await using var edgeHost = StartEdge(keyVaultHost, configHost);
        using var stale = new StaleCounter(edgeHost.Services);
        using var client = edgeHost.CreateHttpClient();
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, setup.Key, setup));

        await postgres.StopAsync();
        try
        {
            await ExpiredAsync(edgeHost, setup);
            Assert.Equal(HttpStatusCode.OK, await SendAsync(client, setup.Key, setup));
            Assert.Equal(HttpStatusCode.ServiceUnavailable, await SendAsync(client, setup.Unseen, setup));
            Assert.Contains(("keyvault", "api"), stale.Seen);
            Assert.Contains(("config", "policy"), stale.Seen);
        }
        finally
        {
            // Back: the services resync their Watch streams (READY makes the Edge's copies due), answers are fresh again.
            await postgres.RestartAsync();
        }

        await PollAsync(async () => await SendAsync(client, setup.Key, setup) == HttpStatusCode.OK
            && edgeHost.Services.GetRequiredService<KeyResolutionCache>().TryGet<CallerIdentity>(KeyResolutionCache.ApiKeyCacheKey(setup.Key), out _),
            "the recovery");
    }

    private ServiceHost<edge::Program> StartEdge(ServiceHost<keyvault::Program> keyVaultHost, ServiceHost<config::Program> configHost) =>
        fixture.StartEdge(keyVaultHost.GrpcAddress, new CapturingUsageRecorder(), new()
        {
            ["services:config:grpc:0"] = configHost.GrpcAddress.ToString(),
            ["Edge:KeyCacheTtl"] = "00:00:01",
            ["Edge:TenantPolicyCacheTtl"] = "00:00:01",
            ["Edge:NegativeKeyCacheTtl"] = "00:00:00",
            ["Edge:DependencyTimeout"] = "00:00:01",
            ["Edge:ChangeWatch:InitialBackoff"] = "00:00:00.050",
            ["Edge:ChangeWatch:MaxBackoff"] = "00:00:00.500",
        });

    /// <summary>Waits until the kept key's cached resolution is past its TTL (no longer fresh).</summary>
    private static async Task ExpiredAsync(ServiceHost<edge::Program> edgeHost, Setup setup)
    {
        var cache = edgeHost.Services.GetRequiredService<KeyResolutionCache>();
        // Every entry the next request reads, not only the API key's: the later ones were cached a few milliseconds
        // after it, so on a loaded machine a request right after the key's expiry could still find them fresh.
        string[] keys =
        [
            KeyResolutionCache.ApiKeyCacheKey(setup.Key),
            KeyResolutionCache.VirtualKeyCacheKey(setup.TenantId, setup.VirtualKeySlug),
            KeyResolutionCache.PolicyCacheKey(setup.TenantId),
            KeyResolutionCache.ConfigCacheKey(setup.TenantId, setup.ConfigId),
        ];
        await PollAsync(() => Task.FromResult(!keys.Any(key => cache.TryGet<object>(key, out _))), "the TTL");
    }

    private static async Task<Setup> SetUpAsync(ServiceHost<keyvault::Program> keyVaultHost, ServiceHost<config::Program> configHost, string providerUrl)
    {
        using var keyVaultChannel = keyVaultHost.CreateGrpcChannel();
        var keyVault = new KeyVaultAdmin.KeyVaultAdminClient(keyVaultChannel);
        var tenant = await keyVault.CreateTenantAsync(new CreateTenantRequest { Id = "t-" + Guid.NewGuid().ToString("N")[..20] }, Admin);
        var key = await keyVault.CreateApiKeyAsync(new CreateApiKeyRequest { TenantId = tenant.Id, Name = "kept" }, Admin);
        var revoked = await keyVault.CreateApiKeyAsync(new CreateApiKeyRequest { TenantId = tenant.Id, Name = "revoked" }, Admin);
        var unseen = await keyVault.CreateApiKeyAsync(new CreateApiKeyRequest { TenantId = tenant.Id, Name = "never used" }, Admin);
        var virtualKey = await keyVault.CreateVirtualKeyAsync(new CreateVirtualKeyRequest
        {
            TenantId = tenant.Id,
            Slug = "openai-" + Guid.NewGuid().ToString("N")[..12],
            Provider = "openai",
            Credential = "sk-test-credential",
            BaseUrl = providerUrl,
        }, Admin);

        using var configChannel = configHost.CreateGrpcChannel();
        var config = new ConfigV1.Config.ConfigClient(configChannel);
        await config.PutTenantPolicyAsync(new ConfigV1.PutTenantPolicyRequest { TenantId = tenant.Id }, Admin);
        var configId = "stale-" + Guid.NewGuid().ToString("N")[..8];
        await config.PutConfigAsync(new ConfigV1.PutConfigRequest
        {
            TenantId = tenant.Id,
            ConfigId = configId,
            Json = $$"""{"strategy":{"mode":"fallback"},"targets":[{"virtual_key":"{{virtualKey.Slug}}"}]}""",
        }, Admin);
        return new Setup(tenant.Id, key.Secret, revoked.Secret, revoked.ApiKey.Id, unseen.Secret, configId, virtualKey.Slug);
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, string apiKey, Setup setup)
    {
        using var request = ChatRequests.Create(ChatRequests.Body(), null, null, ChatRequests.NewTraceId());
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", apiKey);
        request.Headers.Add("x-gateway-config", setup.ConfigId);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task PollAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited too long for {what}.");
            }

            await Task.Delay(20);
        }
    }

    /// <param name="Unseen">A valid key the Edge never resolved: during an outage it cannot be told from an unknown one.</param>
    private sealed record Setup(string TenantId, string Key, string Revoked, string RevokedId, string Unseen, string ConfigId,
        string VirtualKeySlug);

    /// <summary>The (dependency, kind) pairs of stale answers one Edge served.</summary>
    private sealed class StaleCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly ConcurrentDictionary<(string, string), bool> _seen = new();

        public StaleCounter(IServiceProvider edgeServices)
        {
            var meters = edgeServices.GetRequiredService<IMeterFactory>();
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Scope == meters && instrument.Name == KeyResolutionCache.StaleServedName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                string? dependency = null, kind = null;
                foreach (var tag in tags)
                {
                    dependency = tag.Key == "dependency" ? tag.Value as string : dependency;
                    kind = tag.Key == "kind" ? tag.Value as string : kind;
                }

                _seen[(dependency ?? "", kind ?? "")] = true;
            });
            _listener.Start();
        }

        public ICollection<(string, string)> Seen => _seen.Keys;

        public void Dispose() => _listener.Dispose();
    }
}
