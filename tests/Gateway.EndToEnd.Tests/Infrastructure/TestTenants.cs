using Gateway.Contracts.KeyVault.V1;
using Gateway.Testing;
using Grpc.Net.Client;

namespace Gateway.EndToEnd.Tests.Infrastructure;

/// <summary>Tenants the end-to-end tests create through KeyVault's admin API, as an operator would.</summary>
internal static class TestTenants
{
    /// <summary>A fresh tenant (<paramref name="prefix"/>-random) with a gateway key and two virtual keys:
    /// <c>upstream</c> (provider openai, pointing at <paramref name="upstreamBaseUrl"/>) and <c>mock</c> (the
    /// built-in mock provider).</summary>
    public static async Task<TestTenant> CreateAsync(GrpcChannel keyVault, string prefix, string upstreamBaseUrl)
    {
        var admin = new KeyVaultAdmin.KeyVaultAdminClient(keyVault);
        var headers = TestSecrets.Bearer(TestSecrets.AdminToken);
        var tenantId = $"{prefix}-{Guid.NewGuid().ToString("N")[..10]}";
        await admin.CreateTenantAsync(new CreateTenantRequest { Id = tenantId }, headers);
        var key = await admin.CreateApiKeyAsync(new CreateApiKeyRequest { TenantId = tenantId, Name = prefix }, headers);
        await admin.CreateVirtualKeyAsync(new CreateVirtualKeyRequest
        {
            TenantId = tenantId, Slug = "upstream", Provider = "openai", Credential = "sk-upstream-secret", BaseUrl = upstreamBaseUrl,
        }, headers);
        await admin.CreateVirtualKeyAsync(new CreateVirtualKeyRequest { TenantId = tenantId, Slug = "mock", Provider = "mock" }, headers);
        return new TestTenant(tenantId, key.Secret);
    }
}
