using Gateway.Contracts.KeyVault.V1;
using Gateway.Testing;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Providers;

/// <summary>Virtual keys with provider extras (Azure resource/deployment, ...) for the provider tests.</summary>
internal static class ProviderKeys
{
    public static async Task<VirtualKey> CreateAsync(EdgeFixture fixture, TestTenant tenant, string provider, string baseUrl,
        IReadOnlyDictionary<string, string>? extras = null, string credential = "sk-provider-secret")
    {
        var request = new CreateVirtualKeyRequest
        {
            TenantId = tenant.Id,
            Slug = provider + "-" + Guid.NewGuid().ToString("N")[..12],
            Provider = provider,
            Credential = credential,
            BaseUrl = baseUrl,
        };
        foreach (var (name, value) in extras ?? new Dictionary<string, string>())
        {
            request.Extras[name] = value;
        }

        return await fixture.KeyVaultAdmin.CreateVirtualKeyAsync(request, TestSecrets.Bearer(TestSecrets.AdminToken));
    }

    /// <summary>The fake's root (scheme, host and port), to append each provider's own path layout to.</summary>
    public static string Root(this FakeOpenAiServer server) => server.BaseUrl[..^"/v1".Length];
}
