using Gateway.Contracts.KeyVault.V1;
using Grpc.Core;

namespace Gateway.KeyVault.Tests.Grpc;

/// <summary>WatchRevocations: every committed revocation reaches an open stream, so Edges can forget a key at once.</summary>
[Collection(KeyVaultCollection.Name)]
public sealed class RevocationWatchTests(KeyVaultFixture fixture)
{
    [Fact]
    public async Task Revoking_a_key_and_deleting_a_virtual_key_are_streamed_after_ready()
    {
        var tenant = await fixture.Admin.CreateTenantAsync(new CreateTenantRequest { Id = KeyVaultFixture.NewTenantId("watch") }, KeyVaultFixture.AdminHeaders);
        var key = await fixture.Admin.CreateApiKeyAsync(new CreateApiKeyRequest { TenantId = tenant.Id, Name = "watched" }, KeyVaultFixture.AdminHeaders);
        await fixture.Admin.CreateVirtualKeyAsync(new CreateVirtualKeyRequest
        {
            TenantId = tenant.Id, Slug = "watched-vk", Provider = "openai", Credential = "sk-watched",
        }, KeyVaultFixture.AdminHeaders);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var call = fixture.Internal.WatchRevocations(new WatchRevocationsRequest(), KeyVaultFixture.InternalHeaders,
            cancellationToken: timeout.Token);
        Assert.True(await call.ResponseStream.MoveNext(timeout.Token));
        Assert.Equal(RevocationKind.Ready, call.ResponseStream.Current.Kind);

        await fixture.Admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { TenantId = tenant.Id, Id = key.ApiKey.Id }, KeyVaultFixture.AdminHeaders);
        await fixture.Admin.DeleteVirtualKeyAsync(new DeleteVirtualKeyRequest { TenantId = tenant.Id, Slug = "watched-vk" }, KeyVaultFixture.AdminHeaders);

        // Other tests of the collection revoke too: skip what is not this tenant's.
        var mine = new List<RevocationEvent>();
        while (mine.Count < 2 && await call.ResponseStream.MoveNext(timeout.Token))
        {
            if (call.ResponseStream.Current.TenantId == tenant.Id)
            {
                mine.Add(call.ResponseStream.Current);
            }
        }

        Assert.Equal(
            [(RevocationKind.ApiKey, key.ApiKey.Id), (RevocationKind.VirtualKey, "watched-vk")],
            mine.Select(e => (e.Kind, e.Id)));
    }

    [Fact]
    public async Task Revoking_an_already_revoked_key_sends_nothing_new()
    {
        var tenant = await fixture.Admin.CreateTenantAsync(new CreateTenantRequest { Id = KeyVaultFixture.NewTenantId("watch") }, KeyVaultFixture.AdminHeaders);
        var key = await fixture.Admin.CreateApiKeyAsync(new CreateApiKeyRequest { TenantId = tenant.Id, Name = "twice" }, KeyVaultFixture.AdminHeaders);
        var other = await fixture.Admin.CreateApiKeyAsync(new CreateApiKeyRequest { TenantId = tenant.Id, Name = "marker" }, KeyVaultFixture.AdminHeaders);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var call = fixture.Internal.WatchRevocations(new WatchRevocationsRequest(), KeyVaultFixture.InternalHeaders,
            cancellationToken: timeout.Token);
        Assert.True(await call.ResponseStream.MoveNext(timeout.Token));

        await fixture.Admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { TenantId = tenant.Id, Id = key.ApiKey.Id }, KeyVaultFixture.AdminHeaders);
        await fixture.Admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { TenantId = tenant.Id, Id = key.ApiKey.Id }, KeyVaultFixture.AdminHeaders);
        await fixture.Admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { TenantId = tenant.Id, Id = other.ApiKey.Id }, KeyVaultFixture.AdminHeaders);

        // NOTIFYs arrive in commit order: the marker's event comes second only if the repeat sent none.
        var mine = new List<string>();
        while (mine.Count < 2 && await call.ResponseStream.MoveNext(timeout.Token))
        {
            if (call.ResponseStream.Current.TenantId == tenant.Id)
            {
                mine.Add(call.ResponseStream.Current.Id);
            }
        }

        Assert.Equal([key.ApiKey.Id, other.ApiKey.Id], mine);
    }

    [Fact]
    public async Task Watching_needs_the_internal_token()
    {
        using var call = fixture.Internal.WatchRevocations(new WatchRevocationsRequest(), KeyVaultFixture.AdminHeaders);

        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }
}
