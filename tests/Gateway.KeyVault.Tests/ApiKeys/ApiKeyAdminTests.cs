using Gateway.Contracts.KeyVault.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Npgsql;

namespace Gateway.KeyVault.Tests.ApiKeys;

[Collection(KeyVaultCollection.Name)]
public sealed class ApiKeyAdminTests(KeyVaultFixture fixture)
{
    [Fact]
    public async Task List_shows_the_tenants_keys_newest_first_without_secrets()
    {
        var tenant = await fixture.CreateTenantAsync("keys-list");
        var first = await CreateAsync(new CreateApiKeyRequest { TenantId = tenant.Id, Name = "first" });
        var second = await CreateAsync(new CreateApiKeyRequest { TenantId = tenant.Id, Name = "second" });

        var listed = await fixture.Admin.ListApiKeysAsync(new ListApiKeysRequest { TenantId = tenant.Id }, KeyVaultFixture.AdminHeaders);

        Assert.Equal([second.ApiKey.Id, first.ApiKey.Id], listed.ApiKeys.Select(k => k.Id));
        Assert.Equal(first.ApiKey.Prefix, listed.ApiKeys[1].Prefix);
        Assert.Null(listed.ApiKeys[1].RevokedAt);
        Assert.Null(listed.ApiKeys[1].ExpiresAt);
        Assert.DoesNotContain(first.Secret[13..], listed.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain(second.Secret[13..], listed.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task List_reports_last_use_after_a_resolution()
    {
        var tenant = await fixture.CreateTenantAsync("keys-used");
        var created = await CreateAsync(new CreateApiKeyRequest { TenantId = tenant.Id, Name = "k" });

        await fixture.Internal.ResolveApiKeyAsync(new ResolveApiKeyRequest { ApiKey = created.Secret }, KeyVaultFixture.InternalHeaders);
        var listed = await fixture.Admin.ListApiKeysAsync(new ListApiKeysRequest { TenantId = tenant.Id }, KeyVaultFixture.AdminHeaders);

        Assert.NotNull(Assert.Single(listed.ApiKeys).LastUsedAt);
    }

    [Fact]
    public async Task A_revoked_key_fails_resolution_immediately_and_is_audited_once()
    {
        var tenant = await fixture.CreateTenantAsync("keys-revoke");
        var created = await CreateAsync(new CreateApiKeyRequest { TenantId = tenant.Id, Name = "k" });
        await fixture.Internal.ResolveApiKeyAsync(new ResolveApiKeyRequest { ApiKey = created.Secret }, KeyVaultFixture.InternalHeaders);

        var revoked = await Revoke(tenant.Id, created.ApiKey.Id);
        var again = await Revoke(tenant.Id, created.ApiKey.Id);
        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Internal.ResolveApiKeyAsync(
            new ResolveApiKeyRequest { ApiKey = created.Secret }, KeyVaultFixture.InternalHeaders).ResponseAsync);

        Assert.NotNull(revoked.RevokedAt);
        Assert.Equal(revoked.RevokedAt, again.RevokedAt);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
        Assert.Equal(1L, await AuditCountAsync("api_key.revoke", tenant.Id, created.ApiKey.Id));
    }

    [Fact]
    public async Task An_expiry_is_stored_listed_and_enforced()
    {
        var tenant = await fixture.CreateTenantAsync("keys-expiry");
        var expiresAt = DateTime.UtcNow.AddDays(30);
        var created = await CreateAsync(new CreateApiKeyRequest
        {
            TenantId = tenant.Id, Name = "k", ExpiresAt = Timestamp.FromDateTime(expiresAt),
        });

        await fixture.Internal.ResolveApiKeyAsync(new ResolveApiKeyRequest { ApiKey = created.Secret }, KeyVaultFixture.InternalHeaders);
        Assert.Equal(expiresAt, created.ApiKey.ExpiresAt.ToDateTime(), TimeSpan.FromMilliseconds(1));

        // Move the expiry into the past instead of waiting for it.
        await using (var command = fixture.Database.CreateCommand("UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(created.ApiKey.Id) });
            await command.ExecuteNonQueryAsync();
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Internal.ResolveApiKeyAsync(
            new ResolveApiKeyRequest { ApiKey = created.Secret }, KeyVaultFixture.InternalHeaders).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task An_expiry_in_the_past_is_rejected()
    {
        var tenant = await fixture.CreateTenantAsync("keys-expiry");

        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Admin.CreateApiKeyAsync(new CreateApiKeyRequest
        {
            TenantId = tenant.Id, ExpiresAt = Timestamp.FromDateTime(DateTime.UtcNow.AddMinutes(-1)),
        }, KeyVaultFixture.AdminHeaders).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("expires_at", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scopes_are_returned_by_resolution_and_listing()
    {
        var tenant = await fixture.CreateTenantAsync("keys-scope");
        var scopes = new ApiKeyScopes { Providers = { "openai", "openai" }, Models = { "gpt-4o-mini" }, ConfigIds = { "cfg-1" } };
        var scoped = await CreateAsync(new CreateApiKeyRequest { TenantId = tenant.Id, Name = "scoped", Scopes = scopes });
        var open = await CreateAsync(new CreateApiKeyRequest { TenantId = tenant.Id, Name = "open" });

        var resolvedScoped = await fixture.Internal.ResolveApiKeyAsync(new ResolveApiKeyRequest { ApiKey = scoped.Secret }, KeyVaultFixture.InternalHeaders);
        var resolvedOpen = await fixture.Internal.ResolveApiKeyAsync(new ResolveApiKeyRequest { ApiKey = open.Secret }, KeyVaultFixture.InternalHeaders);
        var listed = await fixture.Admin.ListApiKeysAsync(new ListApiKeysRequest { TenantId = tenant.Id }, KeyVaultFixture.AdminHeaders);

        Assert.Equal(["openai"], resolvedScoped.Scopes.Providers);
        Assert.Equal(["gpt-4o-mini"], resolvedScoped.Scopes.Models);
        Assert.Equal(["cfg-1"], resolvedScoped.Scopes.ConfigIds);
        Assert.Empty(resolvedOpen.Scopes.Providers);
        Assert.Empty(resolvedOpen.Scopes.Models);
        Assert.Empty(resolvedOpen.Scopes.ConfigIds);
        Assert.Equal(resolvedScoped.Scopes, listed.ApiKeys.Single(k => k.Id == scoped.ApiKey.Id).Scopes);
    }

    [Fact]
    public async Task Blank_scope_entries_are_rejected()
    {
        var tenant = await fixture.CreateTenantAsync("keys-scope");

        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Admin.CreateApiKeyAsync(new CreateApiKeyRequest
        {
            TenantId = tenant.Id, Scopes = new ApiKeyScopes { Models = { " " } },
        }, KeyVaultFixture.AdminHeaders).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("scopes.models", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Revoking_an_unknown_or_malformed_id_fails_clearly()
    {
        var tenant = await fixture.CreateTenantAsync("keys-revoke");

        var unknown = await Assert.ThrowsAsync<RpcException>(() => Revoke(tenant.Id, Guid.NewGuid().ToString()));
        var malformed = await Assert.ThrowsAsync<RpcException>(() => Revoke(tenant.Id, "nope"));

        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(StatusCode.InvalidArgument, malformed.StatusCode);
    }

    private async Task<CreateApiKeyResponse> CreateAsync(CreateApiKeyRequest request) =>
        await fixture.Admin.CreateApiKeyAsync(request, KeyVaultFixture.AdminHeaders);

    private async Task<ApiKey> Revoke(string tenantId, string id) =>
        await fixture.Admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { TenantId = tenantId, Id = id }, KeyVaultFixture.AdminHeaders);

    private async Task<long> AuditCountAsync(string action, string tenantId, string subjectId)
    {
        await using var command = fixture.Database.CreateCommand(
            "SELECT count(*) FROM audit_log WHERE action = $1 AND tenant_id = $2 AND subject_id = $3");
        command.Parameters.Add(new NpgsqlParameter { Value = action });
        command.Parameters.Add(new NpgsqlParameter { Value = tenantId });
        command.Parameters.Add(new NpgsqlParameter { Value = subjectId });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
