using Gateway.Contracts.Analytics.V1;
using Gateway.Testing;
using Grpc.Core;

namespace Gateway.Analytics.Tests.Authorization;

/// <summary>Every unary query RPC applies the same tenant scoping as GetCostRollup (WatchUsage: see WatchUsageTests).</summary>
[Collection(AnalyticsCollection.Name)]
public sealed class TenantScopingTests(AnalyticsFixture fixture)
{
    public static TheoryData<string> Rpcs => ["GetCostRollup", "ListRequests", "GetTenantSummary"];

    [Theory]
    [MemberData(nameof(Rpcs))]
    public async Task A_key_reads_its_own_tenant_and_is_denied_another(string rpc)
    {
        var tenant = AnalyticsFixture.NewTenantId("scope");
        var otherTenant = AnalyticsFixture.NewTenantId("scope-other");
        var key = await fixture.CreateGatewayKeyAsync(tenant);
        await fixture.Ingest.IngestAsync(UsageEvents.Batch(UsageEvents.Create(tenant), UsageEvents.Create(otherTenant)),
            AnalyticsFixture.InternalHeaders);

        var own = await CallAsync(rpc, tenant, TestSecrets.Bearer(key));
        var implicitTenant = await CallAsync(rpc, "", TestSecrets.Bearer(key));
        var other = await Assert.ThrowsAsync<RpcException>(() => CallAsync(rpc, otherTenant, TestSecrets.Bearer(key)));

        Assert.Equal((tenant, tenant), (own, implicitTenant));
        Assert.Equal(StatusCode.PermissionDenied, other.StatusCode);
    }

    [Theory]
    [MemberData(nameof(Rpcs))]
    public async Task Without_a_valid_token_the_call_is_unauthenticated_and_the_admin_must_name_a_tenant(string rpc)
    {
        var named = AnalyticsFixture.NewTenantId("scope-admin");
        await fixture.Ingest.IngestAsync(UsageEvents.Batch(UsageEvents.Create(named)), AnalyticsFixture.InternalHeaders);

        var anonymous = await Assert.ThrowsAsync<RpcException>(() => CallAsync(rpc, "anyone", headers: null));
        var internalToken = await Assert.ThrowsAsync<RpcException>(() => CallAsync(rpc, "anyone", AnalyticsFixture.InternalHeaders));
        var unknownKey = await Assert.ThrowsAsync<RpcException>(() => CallAsync(rpc, "", TestSecrets.Bearer("gwk_unknown0123456789abcdef")));
        var adminUnnamed = await Assert.ThrowsAsync<RpcException>(() => CallAsync(rpc, "", AnalyticsFixture.AdminHeaders));
        var admin = await CallAsync(rpc, named, AnalyticsFixture.AdminHeaders);

        Assert.Equal([StatusCode.Unauthenticated, StatusCode.Unauthenticated, StatusCode.Unauthenticated, StatusCode.InvalidArgument],
            [anonymous.StatusCode, internalToken.StatusCode, unknownKey.StatusCode, adminUnnamed.StatusCode]);
        Assert.Equal(named, admin);
    }

    /// <summary>Calls the RPC for <paramref name="tenantId"/>; returns the tenant the answer is about.</summary>
    private async Task<string> CallAsync(string rpc, string tenantId, Metadata? headers)
    {
        switch (rpc)
        {
            case "GetCostRollup":
                return (await fixture.Query.GetCostRollupAsync(new GetCostRollupRequest { TenantId = tenantId }, headers)).TenantId;
            case "ListRequests":
                // The log's rows name their tenant: every test tenant has one stored request.
                return Assert.Single((await fixture.Query.ListRequestsAsync(new ListRequestsRequest { TenantId = tenantId }, headers)).Requests).TenantId;
            case "GetTenantSummary":
                return (await fixture.Query.GetTenantSummaryAsync(new GetTenantSummaryRequest { TenantId = tenantId }, headers)).TenantId;
            default:
                throw new ArgumentOutOfRangeException(nameof(rpc));
        }
    }
}
