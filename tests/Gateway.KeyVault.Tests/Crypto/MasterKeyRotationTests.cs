using System.Security.Cryptography;
using Gateway.Contracts.KeyVault.V1;
using Gateway.Testing;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;
using KeyVaultContract = Gateway.Contracts.KeyVault.V1.KeyVault;

namespace Gateway.KeyVault.Tests.Crypto;

/// <summary>Rotation runs against its own database: re-wrapping the shared fixture's rows under another master key
/// would break every other test.</summary>
[Collection(KeyVaultCollection.Name)]
public sealed class MasterKeyRotationTests(KeyVaultFixture fixture)
{
    private static readonly string KeyA = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string KeyB = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    [Fact]
    public async Task Rows_under_the_old_key_keep_resolving_through_reencryption_and_after_the_old_key_is_dropped()
    {
        var database = await fixture.CreateDatabaseAsync($"rotation_{Guid.NewGuid():N}");

        // 1. Create keys under A.
        await using (var underA = Host(database, ("key-a", KeyA)))
        {
            await underA.Admin.CreateTenantAsync(new CreateTenantRequest { Id = "rot-a" }, KeyVaultFixture.AdminHeaders);
            await underA.Admin.CreateTenantAsync(new CreateTenantRequest { Id = "rot-b" }, KeyVaultFixture.AdminHeaders);
            for (var i = 0; i < 5; i++)
            {
                await underA.Admin.CreateVirtualKeyAsync(new CreateVirtualKeyRequest
                {
                    TenantId = i % 2 == 0 ? "rot-a" : "rot-b", Slug = $"vk{i}", Provider = "openai", Credential = $"sk-{i}",
                }, KeyVaultFixture.AdminHeaders);
            }
        }

        // 2. Restart with B active and A previous: old rows still resolve before re-encryption.
        await using (var rotating = Host(database, ("key-b", KeyB), ("key-a", KeyA)))
        {
            Assert.Equal("sk-0", (await rotating.ResolveAsync("rot-a", "vk0")).Credential);

            var first = await rotating.Admin.ReEncryptVirtualKeysAsync(
                new ReEncryptVirtualKeysRequest { BatchSize = 2 }, KeyVaultFixture.AdminHeaders);
            var second = await rotating.Admin.ReEncryptVirtualKeysAsync(new ReEncryptVirtualKeysRequest(), KeyVaultFixture.AdminHeaders);

            Assert.Equal("key-b", first.ActiveMasterKeyId);
            Assert.Equal(5, first.Reencrypted);
            Assert.Equal(0, first.Remaining);
            Assert.Equal(0, second.Reencrypted);
            Assert.Equal(5L, await CountAsync(database, "SELECT count(*) FROM virtual_keys WHERE master_key_id = 'key-b'"));
            Assert.Equal(5L, await CountAsync(database, "SELECT count(*) FROM audit_log WHERE action = 'master_key.reencrypt'"));
        }

        // 3. Drop A: everything still resolves under B alone.
        await using var onlyB = Host(database, ("key-b", KeyB));
        for (var i = 0; i < 5; i++)
        {
            var resolved = await onlyB.ResolveAsync(i % 2 == 0 ? "rot-a" : "rot-b", $"vk{i}");
            Assert.Equal($"sk-{i}", resolved.Credential);
        }
    }

    [Fact]
    public async Task Rows_under_an_unconfigured_key_are_reported_not_lost()
    {
        var database = await fixture.CreateDatabaseAsync($"rotation_{Guid.NewGuid():N}");
        await using (var underA = Host(database, ("key-a", KeyA)))
        {
            await underA.Admin.CreateTenantAsync(new CreateTenantRequest { Id = "rot-lost" }, KeyVaultFixture.AdminHeaders);
            await underA.Admin.CreateVirtualKeyAsync(new CreateVirtualKeyRequest
            {
                TenantId = "rot-lost", Slug = "vk", Provider = "openai", Credential = "sk-lost",
            }, KeyVaultFixture.AdminHeaders);
        }

        await using var onlyB = Host(database, ("key-b", KeyB));
        var result = await onlyB.Admin.ReEncryptVirtualKeysAsync(new ReEncryptVirtualKeysRequest(), KeyVaultFixture.AdminHeaders);
        var error = await Assert.ThrowsAsync<RpcException>(() => onlyB.ResolveAsync("rot-lost", "vk"));

        Assert.Equal(0, result.Reencrypted);
        Assert.Equal(1, result.Remaining);
        Assert.Equal(["key-a"], result.UnknownMasterKeyIds);
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
    }

    [Fact]
    public async Task A_wrong_previous_key_fails_clearly_and_changes_nothing()
    {
        var database = await fixture.CreateDatabaseAsync($"rotation_{Guid.NewGuid():N}");
        await using (var underA = Host(database, ("key-a", KeyA)))
        {
            await underA.Admin.CreateTenantAsync(new CreateTenantRequest { Id = "rot-wrong" }, KeyVaultFixture.AdminHeaders);
            await underA.Admin.CreateVirtualKeyAsync(new CreateVirtualKeyRequest
            {
                TenantId = "rot-wrong", Slug = "vk", Provider = "openai", Credential = "sk-kept",
            }, KeyVaultFixture.AdminHeaders);
        }

        await using (var misconfigured = Host(database, ("key-b", KeyB), ("key-a", KeyB)))
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => misconfigured.Admin.ReEncryptVirtualKeysAsync(
                new ReEncryptVirtualKeysRequest(), KeyVaultFixture.AdminHeaders).ResponseAsync);
            Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
            Assert.Contains("PreviousMasterKeys", error.Status.Detail, StringComparison.Ordinal);
        }

        await using var correct = Host(database, ("key-a", KeyA));
        Assert.Equal("sk-kept", (await correct.ResolveAsync("rot-wrong", "vk")).Credential);
    }

    [Fact]
    public async Task Reencryption_requires_the_admin_token()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Admin.ReEncryptVirtualKeysAsync(
            new ReEncryptVirtualKeysRequest(), KeyVaultFixture.InternalHeaders).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    private static RunningKeyVault Host(string connectionString, (string Id, string Key) active, params (string Id, string Key)[] previous)
    {
        var settings = KeyVaultFixture.Settings(connectionString);
        settings["KeyVault:MasterKeyId"] = active.Id;
        settings["KeyVault:MasterKey"] = active.Key;
        foreach (var (id, key) in previous)
        {
            settings[$"KeyVault:PreviousMasterKeys:{id}"] = key;
        }

        return new RunningKeyVault(new ServiceHost<Program>(settings).Start());
    }

    private static async Task<long> CountAsync(string connectionString, string sql)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var command = dataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private sealed class RunningKeyVault(ServiceHost<Program> host) : IAsyncDisposable
    {
        private readonly GrpcChannel _channel = host.CreateGrpcChannel();

        public KeyVaultAdmin.KeyVaultAdminClient Admin => new(_channel);

        public async Task<ResolveVirtualKeyResponse> ResolveAsync(string tenantId, string slug) =>
            await new KeyVaultContract.KeyVaultClient(_channel).ResolveVirtualKeyAsync(
                new ResolveVirtualKeyRequest { TenantId = tenantId, VirtualKey = slug }, KeyVaultFixture.InternalHeaders);

        public async ValueTask DisposeAsync()
        {
            _channel.Dispose();
            await host.DisposeAsync();
        }
    }
}
