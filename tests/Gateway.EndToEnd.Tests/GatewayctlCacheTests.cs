extern alias cache;

using System.Text.Json;
using Gateway.Cli;
using Gateway.Testing;
using Google.Protobuf;
using Grpc.Net.Client;
using CacheV1 = Gateway.Contracts.Cache.V1;

namespace Gateway.EndToEnd.Tests;

/// <summary><c>gatewayctl cache purge</c> against a real Cache service on a real Redis: one entry, one namespace, a
/// whole tenant only with --yes, never another tenant's entries, and clear errors.</summary>
public sealed class GatewayctlCacheTests : IAsyncLifetime
{
    private RedisServer _redis = null!;
    private ServiceHost<cache::Program> _cache = null!;
    private GrpcChannel _channel = null!;
    private CacheV1.Cache.CacheClient _client = null!;

    public async Task InitializeAsync()
    {
        _redis = await RedisServer.StartAsync();
        var settings = TestSecrets.Settings();
        settings["ConnectionStrings:redis"] = _redis.ConnectionString;
        // The setup's puts are the first Redis calls after start: under CI load the connection alone can outlast the
        // request path's 500 ms bound (a miss in production, a failed setup here). This test is about purging.
        settings["Cache:OperationTimeout"] = "00:00:10";
        _cache = new ServiceHost<cache::Program>(settings).Start();
        _channel = _cache.CreateGrpcChannel();
        _client = new CacheV1.Cache.CacheClient(_channel);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await _cache.DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task Purge_deletes_one_entry_then_a_namespace_then_the_whole_tenant_with_yes()
    {
        var tenant = "t-" + Guid.NewGuid().ToString("N")[..12];
        var other = "t-" + Guid.NewGuid().ToString("N")[..12];
        var (k1, k2, k3) = (Key(), Key(), Key());
        await PutAsync(tenant, "", k1);
        await PutAsync(tenant, "", k2);
        await PutAsync(tenant, "docs", k3);
        await PutAsync(other, "", k1);

        var (exit, output, error) = await RunAsync("cache", "purge", "--tenant", tenant, "--key", k1.ToUpperInvariant());
        Assert.True(exit == 0, error);
        Assert.Contains("purged 1 cache entries", output, StringComparison.Ordinal);
        Assert.False(await FoundAsync(tenant, "", k1));
        Assert.True(await FoundAsync(tenant, "", k2));

        (exit, output, error) = await RunAsync("cache", "purge", "--tenant", tenant, "--namespace", "docs", "--json");
        Assert.True(exit == 0, error);
        using (var json = JsonDocument.Parse(output))
        {
            Assert.Equal("1", json.RootElement.GetProperty("deleted").GetString());
        }

        Assert.False(await FoundAsync(tenant, "docs", k3));
        Assert.True(await FoundAsync(tenant, "", k2));

        // A whole tenant needs --yes; without it nothing is deleted.
        (exit, _, error) = await RunAsync("cache", "purge", "--tenant", tenant);
        Assert.Equal(1, exit);
        Assert.Contains("--yes", error, StringComparison.Ordinal);
        Assert.True(await FoundAsync(tenant, "", k2));

        (exit, output, error) = await RunAsync("cache", "purge", "--tenant", tenant, "--yes");
        Assert.True(exit == 0, error);
        Assert.Contains("purged 1 cache entries", output, StringComparison.Ordinal);
        Assert.False(await FoundAsync(tenant, "", k2));
        Assert.True(await FoundAsync(other, "", k1));
    }

    [Fact]
    public async Task Mistakes_exit_non_zero_with_a_clear_message()
    {
        var (exit, _, error) = await RunAsync("cache", "purge", "--tenant", "t-x", "--key", "not-hex");
        Assert.Equal(1, exit);
        Assert.Contains("--key must be the 64 hex digits", error, StringComparison.Ordinal);

        (exit, _, error) = await RunAsync("cache", "purge", "--tenant", "t-x", "--namespace", "bad namespace!");
        Assert.Equal(1, exit);
        Assert.Contains("--namespace must be", error, StringComparison.Ordinal);

        // The internal token is not an admin token.
        using var output = new StringWriter();
        using var errors = new StringWriter();
        exit = await GatewayCli.RunAsync(["cache", "purge", "--tenant", "t-x", "--yes", "--cache-service", _cache.GrpcAddress.ToString(),
            "--admin-token", TestSecrets.InternalToken, "--env-file", "/dev/null"], output, errors);
        Assert.Equal(1, exit);
        Assert.Contains("error:", errors.ToString(), StringComparison.Ordinal);

        // No address anywhere: says how to give one.
        using var noAddress = new StringWriter();
        exit = await GatewayCli.RunAsync(["cache", "purge", "--tenant", "t-x", "--yes", "--admin-token", TestSecrets.AdminToken,
            "--env-file", "/dev/null"], output, noAddress);
        Assert.Equal(1, exit);
        Assert.Contains("--cache-service", noAddress.ToString(), StringComparison.Ordinal);
    }

    private static string Key() => Convert.ToHexStringLower(Guid.NewGuid().ToByteArray()) + Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());

    private async Task PutAsync(string tenant, string @namespace, string key) =>
        await _client.PutAsync(new CacheV1.CachePutRequest
        {
            TenantId = tenant,
            Namespace = @namespace,
            Key = key,
            Value = ByteString.CopyFromUtf8("{}"),
            TtlSeconds = 600,
        }, TestSecrets.Bearer(TestSecrets.InternalToken));

    private async Task<bool> FoundAsync(string tenant, string @namespace, string key) =>
        (await _client.GetAsync(new CacheV1.CacheGetRequest { TenantId = tenant, Namespace = @namespace, Key = key },
            TestSecrets.Bearer(TestSecrets.InternalToken))).Found;

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] connection = ["--cache-service", _cache.GrpcAddress.ToString(), "--admin-token", TestSecrets.AdminToken,
            "--env-file", "/dev/null"];
        var exit = await GatewayCli.RunAsync([.. args, .. connection], output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
