using Gateway.Contracts.Cache.V1;
using Gateway.Testing;
using Google.Protobuf;
using Grpc.Core;
using StackExchange.Redis;

namespace Gateway.Cache.Tests.Grpc;

[Collection(CacheServiceCollection.Name)]
public sealed class CacheGrpcServiceTests(CacheServiceFixture fixture)
{
    private const int DefaultMaxEntryBytes = 4 * 1024 * 1024;
    private static readonly Metadata Internal = TestSecrets.Bearer(TestSecrets.InternalToken);
    private static readonly TimeSpan ExpiryBound = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Put_ThenGet_ReturnsTheSameBytes()
    {
        var tenant = NewTenant();
        var value = ByteString.CopyFrom(0, 1, 2, 255, 0, 42);

        await PutAsync(tenant, "", "k1", value);
        var response = await GetAsync(tenant, "", "k1");

        Assert.True(response.Found);
        Assert.Equal(value, response.Value);
    }

    [Fact]
    public async Task Get_UnknownKey_IsAMiss()
    {
        var response = await GetAsync(NewTenant(), "", "never-stored");

        Assert.False(response.Found);
        Assert.True(response.Value.IsEmpty);
    }

    [Fact]
    public async Task Put_OverwritesTheEntry()
    {
        var tenant = NewTenant();

        await PutAsync(tenant, "", "k", ByteString.CopyFromUtf8("first"));
        await PutAsync(tenant, "", "k", ByteString.CopyFromUtf8("second"));

        Assert.Equal("second", (await GetAsync(tenant, "", "k")).Value.ToStringUtf8());
    }

    [Fact]
    public async Task Put_StoresUnderThePartitionedRedisKey_WithTheRequestedTtl()
    {
        var tenant = NewTenant();

        await PutAsync(tenant, "docs", "abc", ByteString.CopyFromUtf8("answer"), ttlSeconds: 3600);
        await PutAsync(tenant, "", "abc", ByteString.CopyFromUtf8("default answer"), ttlSeconds: 3600);

        var redis = fixture.Inspector.GetDatabase();
        Assert.Equal("answer", (string?)await redis.StringGetAsync($"gw:cache:{tenant}:docs:abc"));
        Assert.Equal("default answer", (string?)await redis.StringGetAsync($"gw:cache:{tenant}:default:abc"));
        var ttl = await redis.KeyTimeToLiveAsync($"gw:cache:{tenant}:docs:abc");
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(3000), TimeSpan.FromSeconds(3600));
    }

    [Fact]
    public async Task Put_WithTheMaximumTtl_IsAccepted()
    {
        var tenant = NewTenant();

        await PutAsync(tenant, "", "year", ByteString.CopyFromUtf8("v"), ttlSeconds: 31_536_000);

        var ttl = await fixture.Inspector.GetDatabase().KeyTimeToLiveAsync($"gw:cache:{tenant}:default:year");
        Assert.NotNull(ttl);
        Assert.True(ttl.Value > TimeSpan.FromDays(364));
    }

    [Fact]
    public async Task Entry_ExpiresAfterItsTtl()
    {
        var tenant = NewTenant();

        await PutAsync(tenant, "", "short", ByteString.CopyFromUtf8("v"), ttlSeconds: 1);

        // Bounded wait, no timing assertion: the entry must be gone well within the bound.
        var deadline = DateTime.UtcNow + ExpiryBound;
        while ((await GetAsync(tenant, "", "short")).Found)
        {
            Assert.True(DateTime.UtcNow < deadline, "The entry outlived its 1 s TTL by more than the bound.");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task SameKey_InTwoTenants_IsIsolated()
    {
        var (tenantA, tenantB) = (NewTenant(), NewTenant());

        await PutAsync(tenantA, "", "shared-key", ByteString.CopyFromUtf8("A"));
        Assert.False((await GetAsync(tenantB, "", "shared-key")).Found);

        await PutAsync(tenantB, "", "shared-key", ByteString.CopyFromUtf8("B"));
        Assert.Equal("A", (await GetAsync(tenantA, "", "shared-key")).Value.ToStringUtf8());
        Assert.Equal("B", (await GetAsync(tenantB, "", "shared-key")).Value.ToStringUtf8());
    }

    [Fact]
    public async Task SameKey_InTwoNamespaces_IsIsolated()
    {
        var tenant = NewTenant();

        await PutAsync(tenant, "one", "k", ByteString.CopyFromUtf8("1"));
        Assert.False((await GetAsync(tenant, "two", "k")).Found);
        Assert.False((await GetAsync(tenant, "", "k")).Found);

        await PutAsync(tenant, "two", "k", ByteString.CopyFromUtf8("2"));
        Assert.Equal("1", (await GetAsync(tenant, "one", "k")).Value.ToStringUtf8());
        Assert.Equal("2", (await GetAsync(tenant, "two", "k")).Value.ToStringUtf8());
    }

    [Fact]
    public async Task EmptyNamespace_IsTheDefaultNamespace()
    {
        var tenant = NewTenant();

        await PutAsync(tenant, "", "k", ByteString.CopyFromUtf8("v"));

        Assert.True((await GetAsync(tenant, "default", "k")).Found);
    }

    [Fact]
    public async Task Value_OfExactlyTheLimit_RoundTrips()
    {
        var tenant = NewTenant();
        var value = ByteString.CopyFrom(Enumerable.Range(0, DefaultMaxEntryBytes).Select(i => (byte)i).ToArray());

        await PutAsync(tenant, "", "big", value);

        Assert.Equal(value, (await GetAsync(tenant, "", "big")).Value);
    }

    [Fact]
    public async Task Value_OverTheLimit_IsInvalidArgument_AndNotStored()
    {
        var tenant = NewTenant();

        var error = await Assert.ThrowsAsync<RpcException>(
            () => PutAsync(tenant, "", "too-big", ByteString.CopyFrom(new byte[DefaultMaxEntryBytes + 1])));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("limit", error.Status.Detail, StringComparison.Ordinal);
        Assert.False((await GetAsync(tenant, "", "too-big")).Found);
    }

    [Theory]
    [InlineData("", "", "k", "tenant_id")]
    [InlineData("a:b", "", "k", "tenant_id")]
    [InlineData("acme", "x:y", "k", "namespace")]
    [InlineData("acme", "", "", "key")]
    public async Task BadPartition_IsInvalidArgument(string tenant, string @namespace, string key, string named)
    {
        var onGet = await Assert.ThrowsAsync<RpcException>(() => GetAsync(tenant, @namespace, key));
        var onPut = await Assert.ThrowsAsync<RpcException>(() => PutAsync(tenant, @namespace, key, ByteString.CopyFromUtf8("v")));

        Assert.Equal(StatusCode.InvalidArgument, onGet.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, onPut.StatusCode);
        Assert.StartsWith(named, onGet.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(31_536_001)]
    public async Task TtlOutOfRange_IsInvalidArgument_AndNotStored(long ttlSeconds)
    {
        var tenant = NewTenant();

        var error = await Assert.ThrowsAsync<RpcException>(
            () => PutAsync(tenant, "", "k", ByteString.CopyFromUtf8("v"), ttlSeconds));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("ttl_seconds", error.Status.Detail, StringComparison.Ordinal);
        Assert.False((await GetAsync(tenant, "", "k")).Found);
    }

    [Fact]
    public async Task Calls_WithoutToken_ArePermissionDenied()
    {
        var tenant = NewTenant();

        var onPut = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.PutAsync(
            new CachePutRequest { TenantId = tenant, Key = "k", Value = ByteString.CopyFromUtf8("v"), TtlSeconds = 60 }));
        var onGet = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.GetAsync(
            new CacheGetRequest { TenantId = tenant, Key = "k" }));

        Assert.Equal(StatusCode.PermissionDenied, onPut.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, onGet.StatusCode);
        Assert.False(await fixture.Inspector.GetDatabase().KeyExistsAsync($"gw:cache:{tenant}:default:k"));
    }

    [Fact]
    public async Task Calls_WithAWrongToken_ArePermissionDenied()
    {
        var error = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.GetAsync(
            new CacheGetRequest { TenantId = NewTenant(), Key = "k" }, TestSecrets.Bearer("not-the-internal-token")));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    private static string NewTenant() => "t" + Guid.NewGuid().ToString("N");

    private async Task<CacheGetResponse> GetAsync(string tenant, string @namespace, string key) =>
        await fixture.Client.GetAsync(new CacheGetRequest { TenantId = tenant, Namespace = @namespace, Key = key }, Internal);

    private async Task PutAsync(string tenant, string @namespace, string key, ByteString value, long ttlSeconds = 300) =>
        await fixture.Client.PutAsync(
            new CachePutRequest { TenantId = tenant, Namespace = @namespace, Key = key, Value = value, TtlSeconds = ttlSeconds },
            Internal);
}
