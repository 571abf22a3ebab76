extern alias edge;

using System.Diagnostics;
using System.Net;
using Gateway.Contracts.KeyVault.V1;
using Gateway.Testing;
using Gateway.Testing.Providers;
using edge::Gateway.Edge.Auth;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Edge.Tests.Changes;

/// <summary>KeyVault's revocation stream reaching a running Edge: a revoked gateway key or a deleted virtual key stops
/// working within a second, although resolutions are cached for ten minutes.</summary>
[Collection(EdgeCollection.Name)]
public sealed class RevocationWatchTests(EdgeFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(1);
    private static readonly Grpc.Core.Metadata Admin = TestSecrets.Bearer(TestSecrets.AdminToken);

    private FakeOpenAiServer _provider = null!;

    public async Task InitializeAsync() => _provider = await FakeOpenAiServer.StartAsync();

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    [Fact]
    public async Task A_revoked_gateway_key_is_refused_within_a_second()
    {
        await using var edgeHost = StartEdge();
        await WaitUntilWatchingKeyVaultAsync(edgeHost.Services);
        var tenant = await fixture.CreateTenantAsync();
        var virtualKey = await fixture.CreateVirtualKeyAsync(tenant, "openai", _provider.BaseUrl);
        using var client = edgeHost.CreateHttpClient();
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, tenant, virtualKey.Slug));

        await fixture.KeyVaultAdmin.RevokeApiKeyAsync(new RevokeApiKeyRequest { TenantId = tenant.Id, Id = tenant.ApiKeyId }, Admin);
        var elapsed = await TimeUntilAsync(client, tenant, virtualKey.Slug, HttpStatusCode.Unauthorized);

        Assert.True(elapsed < Promptly, $"the revocation took {elapsed} to reach the Edge");
    }

    [Fact]
    public async Task A_deleted_virtual_key_stops_working_within_a_second()
    {
        await using var edgeHost = StartEdge();
        await WaitUntilWatchingKeyVaultAsync(edgeHost.Services);
        var tenant = await fixture.CreateTenantAsync();
        var virtualKey = await fixture.CreateVirtualKeyAsync(tenant, "openai", _provider.BaseUrl);
        using var client = edgeHost.CreateHttpClient();
        Assert.Equal(HttpStatusCode.OK, await SendAsync(client, tenant, virtualKey.Slug));

        await fixture.KeyVaultAdmin.DeleteVirtualKeyAsync(new DeleteVirtualKeyRequest { TenantId = tenant.Id, Slug = virtualKey.Slug }, Admin);
        var elapsed = await TimeUntilAsync(client, tenant, virtualKey.Slug, HttpStatusCode.Forbidden);

        Assert.True(elapsed < Promptly, $"the deletion took {elapsed} to reach the Edge");
    }

    private ServiceHost<edge::Program> StartEdge() => fixture.StartEdge(fixture.KeyVaultGrpcAddress, new CapturingUsageRecorder(), new()
    {
        ["Edge:KeyCacheTtl"] = "00:10:00",
    });

    /// <summary>Plants the cached resolution of a throwaway key and revokes the key until the Edge drops it (the
    /// revocation removes it, the READY opening the stream makes it due), so the stream is known to be live.</summary>
    private async Task WaitUntilWatchingKeyVaultAsync(IServiceProvider edgeServices)
    {
        var cache = edgeServices.GetRequiredService<KeyResolutionCache>();
        var probe = await fixture.CreateTenantAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var key = await fixture.KeyVaultAdmin.CreateApiKeyAsync(new CreateApiKeyRequest { TenantId = probe.Id, Name = "probe" }, Admin);
            var cacheKey = KeyResolutionCache.ApiKeyCacheKey(key.Secret);
            cache.Set(cacheKey, new CallerIdentity(probe.Id, key.ApiKey.Id), TimeSpan.FromMinutes(10));
            await fixture.KeyVaultAdmin.RevokeApiKeyAsync(new RevokeApiKeyRequest { TenantId = probe.Id, Id = key.ApiKey.Id }, Admin);
            var probeEnd = DateTime.UtcNow + TimeSpan.FromMilliseconds(300);
            while (DateTime.UtcNow < probeEnd)
            {
                if (!cache.TryGet<CallerIdentity>(cacheKey, out _))
                {
                    return;
                }

                await Task.Delay(10);
            }
        }

        throw new TimeoutException("The Edge never started watching KeyVault.");
    }

    private static async Task<TimeSpan> TimeUntilAsync(HttpClient client, TestTenant tenant, string virtualKey, HttpStatusCode expected)
    {
        var sinceChange = Stopwatch.StartNew();
        var status = await SendAsync(client, tenant, virtualKey);
        while (status != expected && sinceChange.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
            status = await SendAsync(client, tenant, virtualKey);
        }

        Assert.Equal(expected, status);
        return sinceChange.Elapsed;
    }

    private static async Task<HttpStatusCode> SendAsync(HttpClient client, TestTenant tenant, string virtualKey)
    {
        using var request = ChatRequests.Create(ChatRequests.Body(), tenant, virtualKey);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
