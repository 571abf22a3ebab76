using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Gateway.Contracts.KeyVault.V1;
using Grpc.Core;
using Npgsql;

namespace Gateway.KeyVault.Tests.ApiKeys;

[Collection(KeyVaultCollection.Name)]
public sealed partial class ApiKeyTests(KeyVaultFixture fixture)
{
    [Fact]
    public async Task A_created_key_resolves_to_its_tenant()
    {
        var tenant = await fixture.CreateTenantAsync("keys");

        var created = await CreateKeyAsync(tenant.Id, "ci");
        var resolved = await fixture.Internal.ResolveApiKeyAsync(
            new ResolveApiKeyRequest { ApiKey = created.Secret }, KeyVaultFixture.InternalHeaders);

        Assert.Matches(KeyFormat(), created.Secret);
        Assert.Equal(created.Secret[..12], created.ApiKey.Prefix);
        Assert.Equal(tenant.Id, created.ApiKey.TenantId);
        Assert.Equal("ci", created.ApiKey.Name);
        Assert.Equal(tenant.Id, resolved.TenantId);
        Assert.Equal(created.ApiKey.Id, resolved.ApiKeyId);
        Assert.Equal("ci", resolved.ApiKeyName);
    }

    [Fact]
    public async Task Keys_of_different_tenants_resolve_to_their_own_tenant()
    {
        var tenantA = await fixture.CreateTenantAsync("keys-a");
        var tenantB = await fixture.CreateTenantAsync("keys-b");
        var keyA = await CreateKeyAsync(tenantA.Id, "a");
        var keyB = await CreateKeyAsync(tenantB.Id, "b");

        var resolvedA = await fixture.Internal.ResolveApiKeyAsync(
            new ResolveApiKeyRequest { ApiKey = keyA.Secret }, KeyVaultFixture.InternalHeaders);
        var resolvedB = await fixture.Internal.ResolveApiKeyAsync(
            new ResolveApiKeyRequest { ApiKey = keyB.Secret }, KeyVaultFixture.InternalHeaders);

        Assert.Equal(tenantA.Id, resolvedA.TenantId);
        Assert.Equal(tenantB.Id, resolvedB.TenantId);
        Assert.NotEqual(keyA.Secret, keyB.Secret);
    }

    [Fact]
    public async Task Name_defaults_when_empty()
    {
        var tenant = await fixture.CreateTenantAsync("keys");

        var created = await CreateKeyAsync(tenant.Id, "");

        Assert.Equal("default", created.ApiKey.Name);
    }

    [Fact]
    public async Task The_database_holds_only_the_hash_and_prefix_of_a_key()
    {
        var tenant = await fixture.CreateTenantAsync("keys-db");
        var created = await CreateKeyAsync(tenant.Id, "stored");
        var secretPart = created.Secret[13..];

        await using var command = fixture.Database.CreateCommand(
            "SELECT prefix, key_hash, row_to_json(api_keys)::text FROM api_keys WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(created.ApiKey.Id) });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());

        Assert.Equal(created.ApiKey.Prefix, reader.GetString(0));
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(created.Secret)), reader.GetFieldValue<byte[]>(1));
        Assert.DoesNotContain(secretPart, reader.GetString(2), StringComparison.Ordinal);
        await reader.DisposeAsync();

        // Nowhere else either (the audit log names the key by id only).
        await using var anywhere = fixture.Database.CreateCommand("""
            SELECT (SELECT count(*) FROM api_keys WHERE row_to_json(api_keys)::text LIKE '%' || $1 || '%')
                 + (SELECT count(*) FROM audit_log WHERE row_to_json(audit_log)::text LIKE '%' || $1 || '%')
                 + (SELECT count(*) FROM tenants WHERE row_to_json(tenants)::text LIKE '%' || $1 || '%')
            """);
        anywhere.Parameters.Add(new NpgsqlParameter { Value = secretPart });
        Assert.Equal(0L, (long)(await anywhere.ExecuteScalarAsync())!);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-key")]
    [InlineData("gwk_AAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB")]
    [InlineData("gwk_AAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB!")]
    [InlineData("sk-proj-0123456789")]
    public async Task Unknown_or_malformed_keys_are_unauthenticated(string apiKey)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Internal.ResolveApiKeyAsync(
            new ResolveApiKeyRequest { ApiKey = apiKey }, KeyVaultFixture.InternalHeaders).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Fact]
    public async Task A_key_with_one_character_changed_is_unauthenticated()
    {
        var tenant = await fixture.CreateTenantAsync("keys");
        var created = await CreateKeyAsync(tenant.Id, "k");
        var last = created.Secret[^1];
        var altered = created.Secret[..^1] + (last == 'a' ? 'b' : 'a');

        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Internal.ResolveApiKeyAsync(
            new ResolveApiKeyRequest { ApiKey = altered }, KeyVaultFixture.InternalHeaders).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, error.StatusCode);
    }

    [Theory]
    [InlineData("revoked_at = now()")]
    [InlineData("expires_at = now() - interval '1 second'")]
    public async Task Revoked_and_expired_keys_fail_exactly_like_unknown_ones(string change)
    {
        var tenant = await fixture.CreateTenantAsync("keys-dead");
        var created = await CreateKeyAsync(tenant.Id, "k");
        await using (var command = fixture.Database.CreateCommand($"UPDATE api_keys SET {change} WHERE id = $1"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(created.ApiKey.Id) });
            Assert.Equal(1, await command.ExecuteNonQueryAsync());
        }

        var dead = await Assert.ThrowsAsync<RpcException>(() => fixture.Internal.ResolveApiKeyAsync(
            new ResolveApiKeyRequest { ApiKey = created.Secret }, KeyVaultFixture.InternalHeaders).ResponseAsync);
        var unknown = await Assert.ThrowsAsync<RpcException>(() => fixture.Internal.ResolveApiKeyAsync(
            new ResolveApiKeyRequest { ApiKey = "gwk_AAAAAAAA_BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB" },
            KeyVaultFixture.InternalHeaders).ResponseAsync);

        Assert.Equal(StatusCode.Unauthenticated, dead.StatusCode);
        Assert.Equal(unknown.Status, dead.Status);
    }

    [Fact]
    public async Task A_key_that_expires_in_the_future_still_resolves_and_records_its_last_use()
    {
        var tenant = await fixture.CreateTenantAsync("keys-live");
        var created = await CreateKeyAsync(tenant.Id, "k");
        await using (var command = fixture.Database.CreateCommand(
            "UPDATE api_keys SET expires_at = now() + interval '1 day' WHERE id = $1"))
        {
            command.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(created.ApiKey.Id) });
            await command.ExecuteNonQueryAsync();
        }

        var resolved = await fixture.Internal.ResolveApiKeyAsync(
            new ResolveApiKeyRequest { ApiKey = created.Secret }, KeyVaultFixture.InternalHeaders);

        Assert.Equal(tenant.Id, resolved.TenantId);
        await using var lastUsed = fixture.Database.CreateCommand("SELECT last_used_at IS NOT NULL FROM api_keys WHERE id = $1");
        lastUsed.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(created.ApiKey.Id) });
        Assert.True((bool)(await lastUsed.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Creating_a_key_for_an_unknown_tenant_is_not_found()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Admin.CreateApiKeyAsync(
            new CreateApiKeyRequest { TenantId = KeyVaultFixture.NewTenantId("ghost"), Name = "k" },
            KeyVaultFixture.AdminHeaders).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Fact]
    public async Task Creating_a_key_with_an_invalid_tenant_id_is_invalid_argument()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Admin.CreateApiKeyAsync(
            new CreateApiKeyRequest { TenantId = "Not Valid" }, KeyVaultFixture.AdminHeaders).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("tenant_id", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Each_created_key_is_audited_by_id()
    {
        var tenant = await fixture.CreateTenantAsync("keys-audit");
        var created = await CreateKeyAsync(tenant.Id, "k");

        await using var command = fixture.Database.CreateCommand(
            "SELECT count(*) FROM audit_log WHERE action = 'api_key.create' AND tenant_id = $1 AND subject_id = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = tenant.Id });
        command.Parameters.Add(new NpgsqlParameter { Value = created.ApiKey.Id });

        Assert.Equal(1L, (long)(await command.ExecuteScalarAsync())!);
    }

    private async Task<CreateApiKeyResponse> CreateKeyAsync(string tenantId, string name) =>
        await fixture.Admin.CreateApiKeyAsync(new CreateApiKeyRequest { TenantId = tenantId, Name = name }, KeyVaultFixture.AdminHeaders);

    [GeneratedRegex("^gwk_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}$")]
    private static partial Regex KeyFormat();
}
