using Gateway.Contracts.Cache.V1;
using Gateway.Testing;
using Google.Protobuf;
using Grpc.Core;
using StackExchange.Redis;

namespace Gateway.Cache.Tests.Grpc;

[Collection(CacheServiceCollection.Name)]
public sealed class CachePurgeTests(CacheServiceFixture fixture)
{
    private static readonly Metadata Internal = TestSecrets.Bearer(TestSecrets.InternalToken);
    private static readonly Metadata Admin = TestSecrets.Bearer(TestSecrets.AdminToken);

    [Fact]
    public async Task ByKey_RemovesOnlyThatEntry()
    {
        var (tenant, other) = (NewTenant(), NewTenant());
        await PutAsync(tenant, "docs", "k1");
        await PutAsync(tenant, "docs", "k2");
        await PutAsync(tenant, "", "k1");
        await PutAsync(other, "docs", "k1");

        var response = await PurgeAsync(tenant, "docs", "k1");

        Assert.Equal(1, response.Deleted);
        Assert.False(await FoundAsync(tenant, "docs", "k1"));
        Assert.True(await FoundAsync(tenant, "docs", "k2"));
        Assert.True(await FoundAsync(tenant, "", "k1"));
        Assert.True(await FoundAsync(other, "docs", "k1"));
    }

    [Fact]
    public async Task ByKey_WithoutNamespace_IsTheDefaultNamespace_AndAMissingKeyCountsZero()
    {
        var tenant = NewTenant();
        await PutAsync(tenant, "", "k");
        await PutAsync(tenant, "docs", "k");

        Assert.Equal(1, (await PurgeAsync(tenant, "", "k")).Deleted);
        Assert.Equal(0, (await PurgeAsync(tenant, "", "k")).Deleted);
        Assert.True(await FoundAsync(tenant, "docs", "k"));
    }

    [Fact]
    public async Task ByNamespace_RemovesEveryEntryOfIt_OverManyScanPages()
    {
        var (tenant, other) = (NewTenant(), NewTenant());
        // More keys than one SCAN page looks at, written straight into Redis to keep the test fast.
        const int Many = 2500;
        var redis = fixture.Inspector.GetDatabase();
        var batch = redis.CreateBatch();
        var writes = Enumerable.Range(0, Many)
            .Select(i => batch.StringSetAsync($"gw:cache:{tenant}:bulk:key{i}", "v", TimeSpan.FromMinutes(5)))
            .ToList();
        batch.Execute();
        await Task.WhenAll(writes);
        await PutAsync(tenant, "kept", "k");
        await PutAsync(tenant, "", "k");
        await PutAsync(other, "bulk", "key1");

        var response = await PurgeAsync(tenant, "bulk", "");

        Assert.Equal(Many, response.Deleted);
        Assert.Empty(await KeysAsync($"gw:cache:{tenant}:bulk:*"));
        Assert.True(await FoundAsync(tenant, "kept", "k"));
        Assert.True(await FoundAsync(tenant, "", "k"));
        Assert.True(await FoundAsync(other, "bulk", "key1"));
    }

    [Fact]
    public async Task ByTenant_RemovesAllItsNamespaces_AndNoOtherTenants()
    {
        var tenant = NewTenant();
        // A tenant whose id starts with the purged one's must not be caught by the pattern.
        var longer = tenant + "x";
        await PutAsync(tenant, "", "a");
        await PutAsync(tenant, "one", "b");
        await PutAsync(tenant, "two", "c:with:colons");
        await PutAsync(longer, "", "a");

        var response = await PurgeAsync(tenant, "", "");

        Assert.Equal(3, response.Deleted);
        Assert.Empty(await KeysAsync($"gw:cache:{tenant}:*"));
        Assert.True(await FoundAsync(longer, "", "a"));
    }

    [Fact]
    public async Task GlobCharacters_InTheTenant_MatchOnlyThemselves()
    {
        var suffix = Guid.NewGuid().ToString("N");
        var glob = $"g*{suffix}";
        var lookalike = $"gx{suffix}";
        await PutAsync(glob, "n?", "k");
        await PutAsync(lookalike, "nx", "k");

        Assert.Equal(1, (await PurgeAsync(glob, "n?", "")).Deleted);
        Assert.True(await FoundAsync(lookalike, "nx", "k"));

        await PutAsync(glob, "", "k");
        Assert.Equal(1, (await PurgeAsync(glob, "", "")).Deleted);
        Assert.True(await FoundAsync(lookalike, "nx", "k"));
    }

    [Fact]
    public async Task RequiresTheAdminToken()
    {
        var tenant = NewTenant();
        await PutAsync(tenant, "", "k");

        var withInternal = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.PurgeAsync(new CachePurgeRequest { TenantId = tenant }, Internal));
        var withNone = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.PurgeAsync(new CachePurgeRequest { TenantId = tenant }));

        Assert.Equal(StatusCode.PermissionDenied, withInternal.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, withNone.StatusCode);
        Assert.True(await FoundAsync(tenant, "", "k"));
    }

    [Theory]
    [InlineData("", "", "", "tenant_id")]
    [InlineData("a:b", "", "", "tenant_id")]
    [InlineData("acme", "x:y", "", "namespace")]
    public async Task BadScope_IsInvalidArgument(string tenant, string @namespace, string key, string named)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => PurgeAsync(tenant, @namespace, key));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(named, error.Status.Detail, StringComparison.Ordinal);
    }

    private static string NewTenant() => "t" + Guid.NewGuid().ToString("N");

    private async Task<CachePurgeResponse> PurgeAsync(string tenant, string @namespace, string key) =>
        await fixture.Client.PurgeAsync(new CachePurgeRequest { TenantId = tenant, Namespace = @namespace, Key = key }, Admin);

    private async Task PutAsync(string tenant, string @namespace, string key) =>
        await fixture.Client.PutAsync(
            new CachePutRequest { TenantId = tenant, Namespace = @namespace, Key = key, Value = ByteString.CopyFromUtf8("v"), TtlSeconds = 300 },
            Internal);

    private async Task<bool> FoundAsync(string tenant, string @namespace, string key) =>
        (await fixture.Client.GetAsync(new CacheGetRequest { TenantId = tenant, Namespace = @namespace, Key = key }, Internal)).Found;

    private async Task<List<RedisKey>> KeysAsync(string pattern)
    {
        var server = fixture.Inspector.GetServers().Single();
        var keys = new List<RedisKey>();
        await foreach (var key in server.KeysAsync(pattern: pattern))
        {
            keys.Add(key);
        }

        return keys;
    }
}
