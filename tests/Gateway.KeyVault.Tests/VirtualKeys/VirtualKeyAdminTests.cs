using Gateway.Contracts.KeyVault.V1;
using Grpc.Core;
using Npgsql;

namespace Gateway.KeyVault.Tests.VirtualKeys;

[Collection(KeyVaultCollection.Name)]
public sealed class VirtualKeyAdminTests(KeyVaultFixture fixture)
{
    [Fact]
    public async Task Admin_list_shows_the_tenants_virtual_keys_without_credentials()
    {
        var tenant = await fixture.CreateTenantAsync("vk-admin");
        await CreateAsync(tenant.Id, "zeta", "sk-zeta-secret");
        await CreateAsync(tenant.Id, "alpha", "sk-alpha-secret");

        var listed = await fixture.Admin.ListTenantVirtualKeysAsync(
            new ListVirtualKeysRequest { TenantId = tenant.Id }, KeyVaultFixture.AdminHeaders);

        Assert.Equal(["alpha", "zeta"], listed.VirtualKeys.Select(k => k.Slug));
        Assert.DoesNotContain("secret", listed.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_deleted_virtual_key_no_longer_resolves_and_is_audited()
    {
        var tenant = await fixture.CreateTenantAsync("vk-delete");
        var created = await CreateAsync(tenant.Id, "gone", "sk-gone");

        var deleted = await fixture.Admin.DeleteVirtualKeyAsync(
            new DeleteVirtualKeyRequest { TenantId = tenant.Id, Slug = "gone" }, KeyVaultFixture.AdminHeaders);
        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Internal.ResolveVirtualKeyAsync(
            new ResolveVirtualKeyRequest { TenantId = tenant.Id, VirtualKey = "gone" }, KeyVaultFixture.InternalHeaders).ResponseAsync);
        var again = await Assert.ThrowsAsync<RpcException>(() => fixture.Admin.DeleteVirtualKeyAsync(
            new DeleteVirtualKeyRequest { TenantId = tenant.Id, Slug = "gone" }, KeyVaultFixture.AdminHeaders).ResponseAsync);

        Assert.Equal(created.Id, deleted.Id);
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.Equal(StatusCode.NotFound, again.StatusCode);
        await using var command = fixture.Database.CreateCommand(
            "SELECT count(*) FROM audit_log WHERE action = 'virtual_key.delete' AND tenant_id = $1 AND subject_id = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = tenant.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = created.Id });
        Assert.Equal(1L, (long)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task A_slug_can_be_reused_after_delete()
    {
        var tenant = await fixture.CreateTenantAsync("vk-reuse");
        await CreateAsync(tenant.Id, "main", "sk-old");
        await fixture.Admin.DeleteVirtualKeyAsync(new DeleteVirtualKeyRequest { TenantId = tenant.Id, Slug = "main" }, KeyVaultFixture.AdminHeaders);
        await CreateAsync(tenant.Id, "main", "sk-new");

        var resolved = await fixture.Internal.ResolveVirtualKeyAsync(
            new ResolveVirtualKeyRequest { TenantId = tenant.Id, VirtualKey = "main" }, KeyVaultFixture.InternalHeaders);

        Assert.Equal("sk-new", resolved.Credential);
    }

    private async Task<VirtualKey> CreateAsync(string tenantId, string slug, string credential) =>
        await fixture.Admin.CreateVirtualKeyAsync(new CreateVirtualKeyRequest
        {
            TenantId = tenantId, Slug = slug, Provider = "openai", Credential = credential,
        }, KeyVaultFixture.AdminHeaders);
}
