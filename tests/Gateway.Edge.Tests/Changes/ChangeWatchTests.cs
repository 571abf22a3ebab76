extern alias config;
extern alias edge;

using System.Diagnostics;
using System.Net;
using Gateway.Testing;
using Gateway.Testing.Providers;
using Grpc.Core;
using Grpc.Net.Client;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Edge.Tests.Changes;

/// <summary>Config's Watch stream reaching a running Edge: the in-process copies are dropped within a second of the
/// change, although their TTLs are far longer.</summary>
[Collection(EdgeCollection.Name)]
public sealed class ChangeWatchTests(EdgeFixture fixture) : IAsyncLifetime
{
    private static readonly Metadata Admin = TestSecrets.Bearer(TestSecrets.AdminToken);
    private static readonly TimeSpan Promptly = TimeSpan.FromSeconds(1);

    private FakeOpenAiServer _provider = null!;

    public async Task InitializeAsync()
    {
        _provider = await FakeOpenAiServer.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task A_policy_change_reaches_the_edge_within_a_second_despite_a_long_ttl()
    {
        await using var edgeHost = fixture.StartEdge(fixture.KeyVaultGrpcAddress, new CapturingUsageRecorder(), LongTtls());
        await WatchProbe.WaitUntilWatchingAsync(edgeHost.Services, fixture.ConfigAdmin);
        var tenant = await fixture.CreateTenantAsync();
        await fixture.ConfigAdmin.PutTenantPolicyAsync(new ConfigV1.PutTenantPolicyRequest { TenantId = tenant.Id }, Admin);
        using var client = edgeHost.CreateHttpClient();
        Assert.Equal(HttpStatusCode.Forbidden, await SendToCustomHostAsync(client, tenant));

        var allow = new ConfigV1.PutTenantPolicyRequest { TenantId = tenant.Id, AllowPrivateHosts = true };
        allow.AllowedCustomHosts.Add("127.0.0.1");
        await fixture.ConfigAdmin.PutTenantPolicyAsync(allow, Admin);
        var sincePut = Stopwatch.StartNew();
        var status = await SendToCustomHostAsync(client, tenant);
        while (status != HttpStatusCode.OK && sincePut.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
            status = await SendToCustomHostAsync(client, tenant);
        }

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(sincePut.Elapsed < Promptly, $"the policy change took {sincePut.Elapsed} to reach the Edge");
    }

    [Fact]
    public async Task A_new_price_table_prices_the_next_request_within_a_second()
    {
        var usage = new CapturingUsageRecorder();
        await using var edgeHost = fixture.StartEdge(fixture.KeyVaultGrpcAddress, usage, LongTtls());
        await WatchProbe.WaitUntilWatchingAsync(edgeHost.Services, fixture.ConfigAdmin);
        var tenant = await fixture.CreateTenantAsync();
        var virtualKey = await fixture.CreateVirtualKeyAsync(tenant, "openai", _provider.BaseUrl);
        using var client = edgeHost.CreateHttpClient();
        var before = await SendAndPriceAsync(client, usage, tenant, virtualKey.Slug);

        // The same prices under a new version, so other tests sharing this Config see no change in cost.
        var active = await fixture.ConfigAdmin.GetPricesAsync(new ConfigV1.GetPricesRequest(), Admin);
        var table = new ConfigV1.PutPriceTableRequest { Version = "watch-" + Guid.NewGuid().ToString("N")[..12] };
        table.Prices.AddRange(active.Prices);
        await fixture.ConfigAdmin.PutPriceTableAsync(table, Admin);
        var sincePut = Stopwatch.StartNew();
        var version = await SendAndPriceAsync(client, usage, tenant, virtualKey.Slug);
        while (version != table.Version && sincePut.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
            version = await SendAndPriceAsync(client, usage, tenant, virtualKey.Slug);
        }

        Assert.NotEqual(table.Version, before);
        Assert.Equal(table.Version, version);
        Assert.True(sincePut.Elapsed < Promptly, $"the price table took {sincePut.Elapsed} to reach the Edge");
    }

    [Fact]
    public async Task The_edge_reconnects_when_config_restarts_and_hears_changes_again()
    {
        await using var postgres = await PostgresServer.StartAsync();
        var configSettings = TestSecrets.Settings();
        configSettings["ConnectionStrings:configdb"] = await postgres.CreateDatabaseAsync("configdb");
        await using var first = new ServiceHost<config::Program>(configSettings).Start();
        await using var forwarder = new TcpForwarder(first.GrpcPort);
        var overrides = LongTtls();
        overrides["services:config:grpc:0"] = forwarder.Address.ToString();
        overrides["Edge:ChangeWatch:InitialBackoff"] = "00:00:00.050";
        overrides["Edge:ChangeWatch:MaxBackoff"] = "00:00:00.500";
        await using var edgeHost = fixture.StartEdge(fixture.KeyVaultGrpcAddress, new CapturingUsageRecorder(), overrides);
        using (var firstChannel = first.CreateGrpcChannel())
        {
            await WatchProbe.WaitUntilWatchingAsync(edgeHost.Services, new ConfigV1.Config.ConfigClient(firstChannel));
        }

        await first.DisposeAsync();
        await using var second = new ServiceHost<config::Program>(configSettings).Start();
        forwarder.TargetPort = second.GrpcPort;

        using var secondChannel = second.CreateGrpcChannel();
        await WatchProbe.WaitUntilWatchingAsync(edgeHost.Services, new ConfigV1.Config.ConfigClient(secondChannel));
    }

    private static Dictionary<string, string?> LongTtls() => new()
    {
        ["Edge:TenantPolicyCacheTtl"] = "00:10:00",
        ["Edge:PriceRefreshInterval"] = "01:00:00",
    };

    private async Task<HttpStatusCode> SendToCustomHostAsync(HttpClient client, TestTenant tenant)
    {
        using var request = ChatRequests.Create(ChatRequests.Body(), tenant, null);
        request.Headers.Add("x-gateway-custom-host", _provider.BaseUrl);
        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task<string> SendAndPriceAsync(HttpClient client, CapturingUsageRecorder usage, TestTenant tenant, string virtualKey)
    {
        var traceId = ChatRequests.NewTraceId();
        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(), tenant, virtualKey, traceId));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await usage.SingleAsync(traceId)).PriceVersion;
    }
}
