using Gateway.Contracts.KeyVault.V1;
using Grpc.Core;

namespace Gateway.KeyVault.Tests;

/// <summary>Every RPC that lists, resolves, revokes or deletes is scoped by tenant: tenant B, even knowing A's ids and
/// slugs, can neither see nor touch A's keys, and the failures look exactly like unknown ids.</summary>
[Collection(KeyVaultCollection.Name)]
public sealed class TenantIsolationTests(KeyVaultFixture fixture)
{
    [Fact]
    public async Task Listing_api_keys_never_shows_another_tenants_keys()
    {
        var (a, b) = await TwoTenantsAsync();
        var keyA = await CreateApiKeyAsync(a.Id);
        var keyB = await CreateApiKeyAsync(b.Id);

        var listedA = await fixture.Admin.ListApiKeysAsync(new ListApiKeysRequest { TenantId = a.Id }, KeyVaultFixture.AdminHeaders);
        var listedB = await fixture.Admin.ListApiKeysAsync(new ListApiKeysRequest { TenantId = b.Id }, KeyVaultFixture.AdminHeaders);

        Assert.Equal([keyA.ApiKey.Id], listedA.ApiKeys.Select(k => k.Id));
        Assert.Equal([keyB.ApiKey.Id], listedB.ApiKeys.Select(k => k.Id));
    }

    [Fact]
    public async Task Revoking_with_another_tenants_id_is_not_found_and_leaves_the_key_working()
    {
        var (a, b) = await TwoTenantsAsync();
        var keyA = await CreateApiKeyAsync(a.Id);

        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Admin.RevokeApiKeyAsync(
            new RevokeApiKeyRequest { TenantId = b.Id, Id = keyA.ApiKey.Id }, KeyVaultFixture.AdminHeaders).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => fixture.Admin.RevokeApiKeyAsync(
            new RevokeApiKeyRequest { TenantId = b.Id, Id = Guid.NewGuid().ToString() }, KeyVaultFixture.AdminHeaders).ResponseAsync);
        var resolved = await fixture.Internal.ResolveApiKeyAsync(new ResolveApiKeyRequest { ApiKey = keyA.Secret }, KeyVaultFixture.InternalHeaders);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(unknown.StatusCode, error.StatusCode);
        Assert.Equal(a.Id, resolved.TenantId);
    }

    [Fact]
    public async Task Resolving_a_virtual_key_by_another_tenant_is_not_found()
    {
        var (a, b) = await TwoTenantsAsync();
        await CreateVirtualKeyAsync(a.Id, "shared-name", "sk-a-only");

        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Internal.ResolveVirtualKeyAsync(
            new ResolveVirtualKeyRequest { TenantId = b.Id, VirtualKey = "shared-name" }, KeyVaultFixture.InternalHeaders).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.DoesNotContain("sk-a-only", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Same_slug_in_two_tenants_resolves_to_each_tenants_own_credential()
    {
        var (a, b) = await TwoTenantsAsync();
        await CreateVirtualKeyAsync(a.Id, "main", "sk-a");
        await CreateVirtualKeyAsync(b.Id, "main", "sk-b");

        var resolvedA = await fixture.Internal.ResolveVirtualKeyAsync(
            new ResolveVirtualKeyRequest { TenantId = a.Id, VirtualKey = "main" }, KeyVaultFixture.InternalHeaders);
        var resolvedB = await fixture.Internal.ResolveVirtualKeyAsync(
            new ResolveVirtualKeyRequest { TenantId = b.Id, VirtualKey = "main" }, KeyVaultFixture.InternalHeaders);

        Assert.Equal("sk-a", resolvedA.Credential);
        Assert.Equal("sk-b", resolvedB.Credential);
    }

    [Fact]
    public async Task Listing_virtual_keys_internal_and_admin_never_shows_another_tenants_keys()
    {
        var (a, b) = await TwoTenantsAsync();
        await CreateVirtualKeyAsync(a.Id, "only-a", "sk-a");
        await CreateVirtualKeyAsync(b.Id, "only-b", "sk-b");

        var internalB = await fixture.Internal.ListVirtualKeysAsync(new ListVirtualKeysRequest { TenantId = b.Id }, KeyVaultFixture.InternalHeaders);
        var adminB = await fixture.Admin.ListTenantVirtualKeysAsync(new ListVirtualKeysRequest { TenantId = b.Id }, KeyVaultFixture.AdminHeaders);

        Assert.Equal(["only-b"], internalB.VirtualKeys.Select(k => k.Slug));
        Assert.Equal(["only-b"], adminB.VirtualKeys.Select(k => k.Slug));
    }

    [Fact]
    public async Task Deleting_another_tenants_virtual_key_is_not_found_and_leaves_it_resolving()
    {
        var (a, b) = await TwoTenantsAsync();
        await CreateVirtualKeyAsync(a.Id, "keep", "sk-keep");

        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Admin.DeleteVirtualKeyAsync(
            new DeleteVirtualKeyRequest { TenantId = b.Id, Slug = "keep" }, KeyVaultFixture.AdminHeaders).ResponseAsync);
        var resolved = await fixture.Internal.ResolveVirtualKeyAsync(
            new ResolveVirtualKeyRequest { TenantId = a.Id, VirtualKey = "keep" }, KeyVaultFixture.InternalHeaders);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal("sk-keep", resolved.Credential);
    }

    private async Task<(Tenant A, Tenant B)> TwoTenantsAsync() =>
        (await fixture.CreateTenantAsync("iso-a"), await fixture.CreateTenantAsync("iso-b"));

    private async Task<CreateApiKeyResponse> CreateApiKeyAsync(string tenantId) =>
        await fixture.Admin.CreateApiKeyAsync(new CreateApiKeyRequest { TenantId = tenantId, Name = "k" }, KeyVaultFixture.AdminHeaders);

    private async Task CreateVirtualKeyAsync(string tenantId, string slug, string credential) =>
        await fixture.Admin.CreateVirtualKeyAsync(new CreateVirtualKeyRequest
        {
            TenantId = tenantId, Slug = slug, Provider = "openai", Credential = credential,
        }, KeyVaultFixture.AdminHeaders);
}
