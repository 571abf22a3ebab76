using Gateway.Contracts.Analytics.V1;
using Gateway.Contracts.Config.V1;
using Gateway.Contracts.KeyVault.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Gateway.Bench.Edge.Stack;

/// <summary>The tenant the load runs as, made through the same admin RPCs <c>gatewayctl</c> calls: a tenant, a gateway
/// key, and a virtual key of the <c>openai</c> provider whose base URL is the fake upstream. The virtual key's base
/// URL is set by the operator, so the custom-host guard does not apply to it; the policy still allows loopback
/// (<c>allow_private_hosts</c>, host 127.0.0.1) as <c>gatewayctl demo bootstrap</c> does, so
/// <c>x-gateway-custom-host</c> would work too.</summary>
internal static class TenantBootstrap
{
    public const string TenantId = "bench";
    public const string VirtualKeySlug = "bench-upstream";

    public static async Task<string> CreateAsync(string keyVaultGrpc, string configGrpc, string adminToken, string upstreamBaseUrl,
        CancellationToken cancellationToken)
    {
        var headers = Bearer(adminToken);
        using var keyVaultChannel = GrpcChannel.ForAddress(keyVaultGrpc);
        var admin = new KeyVaultAdmin.KeyVaultAdminClient(keyVaultChannel);
        await admin.CreateTenantAsync(new CreateTenantRequest { Id = TenantId, DisplayName = "Edge benchmark", IfNotExists = true },
            headers, cancellationToken: cancellationToken);
        var key = await admin.CreateApiKeyAsync(new CreateApiKeyRequest { TenantId = TenantId, Name = "bench" },
            headers, cancellationToken: cancellationToken);
        await admin.CreateVirtualKeyAsync(new CreateVirtualKeyRequest
        {
            TenantId = TenantId,
            Slug = VirtualKeySlug,
            Provider = "openai",
            Credential = "sk-bench-not-a-real-key",
            BaseUrl = upstreamBaseUrl,
        }, headers, cancellationToken: cancellationToken);

        using var configChannel = GrpcChannel.ForAddress(configGrpc);
        var policy = new PutTenantPolicyRequest { TenantId = TenantId, AllowPrivateHosts = true };
        policy.AllowedCustomHosts.Add("127.0.0.1");
        await new Config.ConfigClient(configChannel).PutTenantPolicyAsync(policy, headers, cancellationToken: cancellationToken);
        return key.Secret;
    }

    /// <summary>Requests Analytics has recorded for the tenant this month: proof that usage publishing was on.</summary>
    public static async Task<long> RecordedRequestsAsync(string analyticsGrpc, string adminToken, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress(analyticsGrpc);
        var summary = await new Gateway.Contracts.Analytics.V1.Analytics.AnalyticsClient(channel).GetTenantSummaryAsync(
            new GetTenantSummaryRequest { TenantId = TenantId }, Bearer(adminToken), cancellationToken: cancellationToken);
        return summary.Requests;
    }

    private static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };
}
