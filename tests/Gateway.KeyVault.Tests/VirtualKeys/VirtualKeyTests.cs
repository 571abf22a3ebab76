using System.Text;
using Gateway.Contracts.KeyVault.V1;
using Grpc.Core;
using Npgsql;

namespace Gateway.KeyVault.Tests.VirtualKeys;

[Collection(KeyVaultCollection.Name)]
public sealed class VirtualKeyTests(KeyVaultFixture fixture)
{
    [Fact]
    public async Task A_virtual_key_round_trips_with_its_credential_base_url_and_extras()
    {
        var tenant = await fixture.CreateTenantAsync("vk");
        var request = new CreateVirtualKeyRequest
        {
            TenantId = tenant.Id,
            Slug = "azure-prod.eu_1",
            Provider = "azure-openai",
            Credential = "azure-secret-" + Guid.NewGuid(),
            BaseUrl = "https://example-resource.openai.azure.com/",
            Extras = { ["deployment"] = "gpt-4o", ["api_version"] = "2024-10-21" },
        };

        var created = await fixture.Admin.CreateVirtualKeyAsync(request, KeyVaultFixture.AdminHeaders);
        var resolved = await fixture.Internal.ResolveVirtualKeyAsync(
            new ResolveVirtualKeyRequest { TenantId = tenant.Id, VirtualKey = "azure-prod.eu_1" }, KeyVaultFixture.InternalHeaders);

        Assert.Equal(tenant.Id, created.TenantId);
        Assert.Equal("azure-prod.eu_1", created.Slug);
        Assert.Equal("azure-openai", created.Provider);
        Assert.Equal("primary", created.MasterKeyId);
        Assert.Equal(request.Extras, created.Extras);
        Assert.Equal(created.Id, resolved.VirtualKeyId);
        Assert.Equal(request.Credential, resolved.Credential);
        Assert.Equal("azure-openai", resolved.Provider);
        Assert.Equal(request.BaseUrl, resolved.BaseUrl);
        Assert.Equal(request.Extras, resolved.Extras);
    }

    [Fact]
    public async Task The_database_holds_only_ciphertext_of_the_credential()
    {
        var tenant = await fixture.CreateTenantAsync("vk-db");
        var credential = "sk-live-" + Guid.NewGuid().ToString("N");
        var created = await CreateAsync(tenant.Id, "openai", "openai", credential);

        await using var command = fixture.Database.CreateCommand("""
            SELECT master_key_id, wrapped_data_key, nonce, ciphertext, row_to_json(virtual_keys)::text
            FROM virtual_keys WHERE id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(created.Id) });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());

        var plaintext = Encoding.UTF8.GetBytes(credential);
        var ciphertext = reader.GetFieldValue<byte[]>(3);
        Assert.Equal("primary", reader.GetString(0));
        Assert.Equal(12 + 32 + 16, reader.GetFieldValue<byte[]>(1).Length);
        Assert.Equal(12, reader.GetFieldValue<byte[]>(2).Length);
        Assert.Equal(plaintext.Length + 16, ciphertext.Length);
        Assert.Equal(-1, ciphertext.AsSpan().IndexOf(plaintext));
        Assert.DoesNotContain(credential, reader.GetString(4), StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToHexStringLower(plaintext), reader.GetString(4), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_tenant_cannot_resolve_another_tenants_virtual_key()
    {
        var tenantA = await fixture.CreateTenantAsync("vk-a");
        var tenantB = await fixture.CreateTenantAsync("vk-b");
        await CreateAsync(tenantA.Id, "team-key", "openai", "sk-tenant-a");

        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Internal.ResolveVirtualKeyAsync(
            new ResolveVirtualKeyRequest { TenantId = tenantB.Id, VirtualKey = "team-key" }, KeyVaultFixture.InternalHeaders).ResponseAsync);
        var owner = await fixture.Internal.ResolveVirtualKeyAsync(
            new ResolveVirtualKeyRequest { TenantId = tenantA.Id, VirtualKey = "team-key" }, KeyVaultFixture.InternalHeaders);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
        Assert.DoesNotContain("sk-tenant-a", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("sk-tenant-a", owner.Credential);
    }

    [Fact]
    public async Task Listing_shows_only_the_tenants_own_keys_without_credentials()
    {
        var tenantA = await fixture.CreateTenantAsync("vk-list-a");
        var tenantB = await fixture.CreateTenantAsync("vk-list-b");
        await CreateAsync(tenantA.Id, "zeta", "anthropic", "sk-a-zeta");
        await CreateAsync(tenantA.Id, "alpha", "openai", "sk-a-alpha");
        await CreateAsync(tenantB.Id, "other", "openai", "sk-b-other");

        var listed = await fixture.Internal.ListVirtualKeysAsync(
            new ListVirtualKeysRequest { TenantId = tenantA.Id }, KeyVaultFixture.InternalHeaders);
        var denied = await Assert.ThrowsAsync<RpcException>(() => fixture.Internal.ListVirtualKeysAsync(
            new ListVirtualKeysRequest { TenantId = tenantA.Id }, KeyVaultFixture.AdminHeaders).ResponseAsync);

        Assert.Equal(["alpha", "zeta"], listed.VirtualKeys.Select(k => k.Slug));
        Assert.Equal(["openai", "anthropic"], listed.VirtualKeys.Select(k => k.Provider));
        Assert.All(listed.VirtualKeys, k => Assert.Equal(tenantA.Id, k.TenantId));
        Assert.DoesNotContain("sk-a-", listed.ToString(), StringComparison.Ordinal);
        Assert.Equal(StatusCode.PermissionDenied, denied.StatusCode);
    }

    [Fact]
    public async Task The_same_slug_in_two_tenants_holds_two_separate_credentials()
    {
        var tenantA = await fixture.CreateTenantAsync("vk-a");
        var tenantB = await fixture.CreateTenantAsync("vk-b");
        await CreateAsync(tenantA.Id, "shared-name", "openai", "sk-a");
        await CreateAsync(tenantB.Id, "shared-name", "anthropic", "sk-b");

        var a = await Resolve(tenantA.Id, "shared-name");
        var b = await Resolve(tenantB.Id, "shared-name");

        Assert.Equal(("openai", "sk-a"), (a.Provider, a.Credential));
        Assert.Equal(("anthropic", "sk-b"), (b.Provider, b.Credential));
    }

    [Fact]
    public async Task A_ciphertext_moved_to_another_tenants_row_does_not_decrypt()
    {
        var victim = await fixture.CreateTenantAsync("vk-victim");
        var attacker = await fixture.CreateTenantAsync("vk-attacker");
        await CreateAsync(victim.Id, "prod", "openai", "sk-victim-secret");
        await CreateAsync(attacker.Id, "prod", "openai", "sk-attacker");

        // Simulates someone with database write access copying the victim's sealed credential into their own row.
        await using (var copy = fixture.Database.CreateCommand("""
            UPDATE virtual_keys AS target
            SET master_key_id = source.master_key_id, wrapped_data_key = source.wrapped_data_key,
                nonce = source.nonce, ciphertext = source.ciphertext
            FROM virtual_keys AS source
            WHERE source.tenant_id = $1 AND source.slug = 'prod' AND target.tenant_id = $2 AND target.slug = 'prod'
            """))
        {
            copy.Parameters.Add(new NpgsqlParameter { Value = victim.Id });
            copy.Parameters.Add(new NpgsqlParameter { Value = attacker.Id });
            Assert.Equal(1, await copy.ExecuteNonQueryAsync());
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => Resolve(attacker.Id, "prod"));

        Assert.Equal(StatusCode.Internal, error.StatusCode);
        Assert.DoesNotContain("sk-victim-secret", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal("sk-victim-secret", (await Resolve(victim.Id, "prod")).Credential);
    }

    [Fact]
    public async Task An_unknown_slug_is_not_found()
    {
        var tenant = await fixture.CreateTenantAsync("vk");

        var error = await Assert.ThrowsAsync<RpcException>(() => Resolve(tenant.Id, "missing"));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Theory]
    [InlineData("Not A Slug")]
    [InlineData("../etc")]
    public async Task Resolving_a_malformed_slug_is_not_found(string slug)
    {
        var tenant = await fixture.CreateTenantAsync("vk");

        var error = await Assert.ThrowsAsync<RpcException>(() => Resolve(tenant.Id, slug));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task A_duplicate_slug_in_one_tenant_is_already_exists()
    {
        var tenant = await fixture.CreateTenantAsync("vk");
        await CreateAsync(tenant.Id, "dup", "openai", "sk-1");

        var error = await Assert.ThrowsAsync<RpcException>(() => CreateAsync(tenant.Id, "dup", "openai", "sk-2"));

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Equal("sk-1", (await Resolve(tenant.Id, "dup")).Credential);
    }

    [Fact]
    public async Task The_mock_provider_needs_no_credential()
    {
        var tenant = await fixture.CreateTenantAsync("vk-mock");

        await CreateAsync(tenant.Id, "demo", "mock", "");
        var resolved = await Resolve(tenant.Id, "demo");

        Assert.Equal("mock", resolved.Provider);
        Assert.Equal("", resolved.Credential);
        Assert.Equal("", resolved.BaseUrl);
        Assert.Empty(resolved.Extras);
    }

    [Fact]
    public async Task A_real_provider_without_a_credential_is_invalid_argument()
    {
        var tenant = await fixture.CreateTenantAsync("vk");

        var error = await Assert.ThrowsAsync<RpcException>(() => CreateAsync(tenant.Id, "nocred", "openai", " "));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("credential is required", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("UPPER")]
    [InlineData("-leading")]
    [InlineData(".leading-dot")]
    [InlineData("has space")]
    [InlineData("slash/inside")]
    [InlineData("a123456789012345678901234567890123456789012345678901234567890123")]
    public async Task Invalid_slugs_are_invalid_argument(string slug)
    {
        var tenant = await fixture.CreateTenantAsync("vk");

        var error = await Assert.ThrowsAsync<RpcException>(() => CreateAsync(tenant.Id, slug, "openai", "sk"));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("slug", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("OpenAI")]
    [InlineData("open_ai")]
    [InlineData("")]
    public async Task Invalid_providers_are_invalid_argument(string provider)
    {
        var tenant = await fixture.CreateTenantAsync("vk");

        var error = await Assert.ThrowsAsync<RpcException>(() => CreateAsync(tenant.Id, "p", provider, "sk"));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("provider", error.Status.Detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ftp://example.com")]
    [InlineData("/v1/relative")]
    [InlineData("not a url")]
    [InlineData("file:///etc/passwd")]
    public async Task Base_urls_must_be_absolute_http(string baseUrl)
    {
        var tenant = await fixture.CreateTenantAsync("vk");

        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Admin.CreateVirtualKeyAsync(
            new CreateVirtualKeyRequest { TenantId = tenant.Id, Slug = "u", Provider = "openai", Credential = "sk", BaseUrl = baseUrl },
            KeyVaultFixture.AdminHeaders).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("base_url", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Every_problem_is_reported_at_once()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Admin.CreateVirtualKeyAsync(
            new CreateVirtualKeyRequest { TenantId = "Bad Tenant", Slug = "Bad Slug", Provider = "Bad", BaseUrl = "nope" },
            KeyVaultFixture.AdminHeaders).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        foreach (var field in new[] { "tenant_id", "slug", "provider", "credential", "base_url" })
        {
            Assert.Contains(field, error.Status.Detail, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Creating_for_an_unknown_tenant_is_not_found()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            CreateAsync(KeyVaultFixture.NewTenantId("ghost"), "vk", "openai", "sk"));

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    private async Task<VirtualKey> CreateAsync(string tenantId, string slug, string provider, string credential) =>
        await fixture.Admin.CreateVirtualKeyAsync(
            new CreateVirtualKeyRequest { TenantId = tenantId, Slug = slug, Provider = provider, Credential = credential },
            KeyVaultFixture.AdminHeaders);

    private async Task<ResolveVirtualKeyResponse> Resolve(string tenantId, string slug) =>
        await fixture.Internal.ResolveVirtualKeyAsync(
            new ResolveVirtualKeyRequest { TenantId = tenantId, VirtualKey = slug }, KeyVaultFixture.InternalHeaders);
}
