using Gateway.Testing;
using Grpc.Core;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Config.Tests.Grpc;

[Collection(ConfigServiceCollection.Name)]
public sealed class RoutingConfigRpcTests(ConfigServiceFixture fixture)
{
    private const string Fallback = """{"strategy":{"mode":"fallback"},"targets":[{"virtual_key":"a"},{"virtual_key":"b"}]}""";
    private const string Single = """{"virtual_key":"c"}""";
    private static readonly Metadata Admin = TestSecrets.Bearer(TestSecrets.AdminToken);
    private static readonly Metadata Internal = TestSecrets.Bearer(TestSecrets.InternalToken);

    [Fact]
    public async Task Each_put_creates_the_next_immutable_version_and_moves_latest()
    {
        var tenant = NewTenant();

        var first = await Put(tenant, "main", Fallback);
        var second = await Put(tenant, "main", Single);

        Assert.Equal(1, first.Version);
        Assert.Equal(2, second.Version);
        var latest = await fixture.Client.GetConfigAsync(new ConfigV1.GetConfigRequest { TenantId = tenant, ConfigId = "main" }, Internal);
        var v1 = await fixture.Client.GetConfigAsync(new ConfigV1.GetConfigRequest { TenantId = tenant, ConfigId = "main", Version = 1 }, Internal);
        Assert.Equal(2, latest.Version);
        Assert.Equal(Single, latest.Json);
        Assert.Equal(1, v1.Version);
        Assert.Equal(2, v1.LatestVersion);
        Assert.Equal(Fallback, v1.Json);

        var versions = await fixture.Client.ListConfigVersionsAsync(new ConfigV1.ListConfigVersionsRequest { TenantId = tenant, ConfigId = "main" }, Admin);
        Assert.Equal([1, 2], versions.Versions.Select(v => v.Version));
        Assert.Equal(2, versions.LatestVersion);
    }

    [Fact]
    public async Task The_stored_json_is_canonical()
    {
        var stored = await Put(NewTenant(), "spaced", """{ "virtual_key" : "a",  "cache": {"max_age": 60, "mode": "simple"} }""");

        Assert.Equal("""{"cache":{"max_age":60,"mode":"simple"},"virtual_key":"a"}""", stored.Json);
    }

    [Fact]
    public async Task Another_tenant_cannot_read_a_config()
    {
        var owner = NewTenant();
        await Put(owner, "private", Single);

        var get = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.GetConfigAsync(new ConfigV1.GetConfigRequest { TenantId = NewTenant(), ConfigId = "private" }, Internal));
        var list = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.ListConfigVersionsAsync(new ConfigV1.ListConfigVersionsRequest { TenantId = NewTenant(), ConfigId = "private" }, Internal));

        Assert.Equal(StatusCode.NotFound, get.StatusCode);
        Assert.Equal(StatusCode.NotFound, list.StatusCode);
    }

    [Fact]
    public async Task A_missing_version_is_not_found()
    {
        var tenant = NewTenant();
        await Put(tenant, "one", Single);

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.GetConfigAsync(new ConfigV1.GetConfigRequest { TenantId = tenant, ConfigId = "one", Version = 2 }, Internal));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task An_invalid_put_reports_every_error_in_the_status_detail_and_stores_nothing()
    {
        var tenant = NewTenant();
        const string json = """{"strategy":{"mode":"loadbalance"},"targets":[{"virtual_key":"a"},{"virtual_key":"b","weight":-1}],"retry":{"attempts":20}}""";

        var error = await Assert.ThrowsAsync<RpcException>(async () => await Put(tenant, "bad", json));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("$.targets[1].weight: must be > 0", error.Status.Detail, StringComparison.Ordinal);
        var details = error.Trailers.GetValueBytes("grpc-status-details-bin");
        Assert.NotNull(details);
        var status = ConfigV1.ErrorStatus.Parser.ParseFrom(details);
        Assert.Equal((int)StatusCode.InvalidArgument, status.Code);
        var failure = Assert.Single(status.Details).Unpack<ConfigV1.ConfigValidationFailure>();
        Assert.Equal(["$.targets[1].weight", "$.retry.attempts"], failure.Errors.Select(e => e.Path));

        var get = await Assert.ThrowsAsync<RpcException>(async () =>
            await fixture.Client.GetConfigAsync(new ConfigV1.GetConfigRequest { TenantId = tenant, ConfigId = "bad" }, Internal));
        Assert.Equal(StatusCode.NotFound, get.StatusCode);
    }

    [Fact]
    public async Task Validate_returns_errors_in_the_response_without_storing()
    {
        var invalid = await fixture.Client.ValidateConfigAsync(new ConfigV1.ValidateConfigRequest { Json = """{"targets":[{"weight":0}]}""" }, Internal);
        var valid = await fixture.Client.ValidateConfigAsync(new ConfigV1.ValidateConfigRequest { Json = Fallback }, Internal);

        Assert.False(invalid.Valid);
        Assert.Equal(["$.strategy", "$.targets[0]", "$.targets[0].weight"], invalid.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
        Assert.True(valid.Valid);
        Assert.Empty(valid.Errors);
        Assert.Equal(Fallback, valid.CanonicalJson);
    }

    [Fact]
    public async Task Put_requires_the_admin_token_and_a_valid_id()
    {
        var request = new ConfigV1.PutConfigRequest { TenantId = NewTenant(), ConfigId = "x", Json = Single };

        var withInternal = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.PutConfigAsync(request, Internal));
        request.ConfigId = "has space";
        var badId = await Assert.ThrowsAsync<RpcException>(async () => await fixture.Client.PutConfigAsync(request, Admin));

        Assert.Equal(StatusCode.PermissionDenied, withInternal.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, badId.StatusCode);
    }

    [Fact]
    public async Task Concurrent_puts_get_distinct_consecutive_versions()
    {
        var tenant = NewTenant();

        var stored = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => Put(tenant, "busy", Single)));

        Assert.Equal(Enumerable.Range(1, 10), stored.Select(s => s.Version).Order());
    }

    private async Task<ConfigV1.RoutingConfig> Put(string tenant, string id, string json) =>
        await fixture.Client.PutConfigAsync(new ConfigV1.PutConfigRequest { TenantId = tenant, ConfigId = id, Json = json }, Admin);

    private static string NewTenant() => "t-" + Guid.NewGuid().ToString("N")[..20];
}
