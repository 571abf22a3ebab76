using Gateway.Contracts.Analytics.V1;
using Gateway.Testing;
using Grpc.Core;

namespace Gateway.Analytics.Tests.Authorization;

[Collection(AnalyticsCollection.Name)]
public sealed class RollupAuthorizationTests(AnalyticsFixture fixture)
{
    [Fact]
    public async Task No_token_is_unauthenticated()
    {
        var error = await QueryFailsAsync(new GetCostRollupRequest { TenantId = "anyone" }, headers: null);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task An_unknown_gateway_key_or_the_internal_token_is_unauthenticated()
    {
        var unknownKey = await QueryFailsAsync(new GetCostRollupRequest(), TestSecrets.Bearer("gwk_unknown0123456789abcdef"));
        var internalToken = await QueryFailsAsync(new GetCostRollupRequest { TenantId = "anyone" }, AnalyticsFixture.InternalHeaders);

        Assert.Equal(StatusCode.Unauthenticated, unknownKey.StatusCode);
        Assert.Equal(StatusCode.Unauthenticated, internalToken.StatusCode);
    }

    [Fact]
    public async Task A_gateway_key_reads_its_own_tenant_and_no_other()
    {
        var tenant = AnalyticsFixture.NewTenantId("owner");
        var otherTenant = AnalyticsFixture.NewTenantId("neighbour");
        var key = await fixture.CreateGatewayKeyAsync(tenant);
        await fixture.CreateGatewayKeyAsync(otherTenant);
        await fixture.Ingest.IngestAsync(UsageEvents.Batch(UsageEvents.Create(tenant, "0.5"), UsageEvents.Create(otherTenant, "9")),
            AnalyticsFixture.InternalHeaders);

        var named = await fixture.Query.GetCostRollupAsync(new GetCostRollupRequest { TenantId = tenant }, TestSecrets.Bearer(key));
        var implicitTenant = await fixture.Query.GetCostRollupAsync(new GetCostRollupRequest(), TestSecrets.Bearer(key));
        var other = await QueryFailsAsync(new GetCostRollupRequest { TenantId = otherTenant }, TestSecrets.Bearer(key));

        Assert.Equal((tenant, "0.5"), (named.TenantId, named.Totals.CostUsd));
        Assert.Equal((tenant, "0.5"), (implicitTenant.TenantId, implicitTenant.Totals.CostUsd));
        Assert.Equal(StatusCode.PermissionDenied, other.StatusCode);
    }

    [Fact]
    public async Task The_admin_token_reads_any_tenant_but_must_name_it()
    {
        var tenant = AnalyticsFixture.NewTenantId("admin");
        await fixture.Ingest.IngestAsync(UsageEvents.Batch(UsageEvents.Create(tenant, "1.25")), AnalyticsFixture.InternalHeaders);

        var rollup = await fixture.Query.GetCostRollupAsync(new GetCostRollupRequest { TenantId = tenant }, AnalyticsFixture.AdminHeaders);
        var unnamed = await QueryFailsAsync(new GetCostRollupRequest(), AnalyticsFixture.AdminHeaders);

        Assert.Equal("1.25", rollup.Totals.CostUsd);
        Assert.Equal(StatusCode.InvalidArgument, unnamed.StatusCode);
    }

    private Task<RpcException> QueryFailsAsync(GetCostRollupRequest request, Metadata? headers) =>
        Assert.ThrowsAsync<RpcException>(() => fixture.Query.GetCostRollupAsync(request, headers).ResponseAsync);
}
