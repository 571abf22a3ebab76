using Gateway.Contracts.KeyVault.V1;
using Gateway.Testing;
using Grpc.Core;

namespace Gateway.KeyVault.Tests.Grpc;

[Collection(KeyVaultCollection.Name)]
public sealed class AuthorizationTests(KeyVaultFixture fixture)
{
    public static TheoryData<string?> NotAdminTokens => new() { null, TestSecrets.InternalToken, "wrong-token-0123456789" };

    public static TheoryData<string?> NotInternalTokens => new() { null, TestSecrets.AdminToken, "wrong-token-0123456789" };

    [Theory]
    [MemberData(nameof(NotAdminTokens))]
    public async Task Admin_rpcs_refuse_callers_without_the_admin_token(string? token)
    {
        var headers = Headers(token);
        var tenantId = KeyVaultFixture.NewTenantId("authz");

        await AssertDenied(fixture.Admin.CreateTenantAsync(new CreateTenantRequest { Id = tenantId }, headers));
        await AssertDenied(fixture.Admin.GetTenantAsync(new GetTenantRequest { Id = tenantId }, headers));
        await AssertDenied(fixture.Admin.CreateApiKeyAsync(new CreateApiKeyRequest { TenantId = tenantId }, headers));
        await AssertDenied(fixture.Admin.CreateVirtualKeyAsync(
            new CreateVirtualKeyRequest { TenantId = tenantId, Slug = "x", Provider = "mock" }, headers));
        await AssertDenied(fixture.Admin.ListApiKeysAsync(new ListApiKeysRequest { TenantId = tenantId }, headers));
        await AssertDenied(fixture.Admin.RevokeApiKeyAsync(
            new RevokeApiKeyRequest { TenantId = tenantId, Id = Guid.NewGuid().ToString() }, headers));
        await AssertDenied(fixture.Admin.ListTenantVirtualKeysAsync(new ListVirtualKeysRequest { TenantId = tenantId }, headers));
        await AssertDenied(fixture.Admin.DeleteVirtualKeyAsync(new DeleteVirtualKeyRequest { TenantId = tenantId, Slug = "x" }, headers));
        await AssertDenied(fixture.Admin.ReEncryptVirtualKeysAsync(new ReEncryptVirtualKeysRequest(), headers));

        // Nothing was created by the refused call.
        var get = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Admin.GetTenantAsync(new GetTenantRequest { Id = tenantId }, KeyVaultFixture.AdminHeaders).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, get.StatusCode);
    }

    [Theory]
    [MemberData(nameof(NotInternalTokens))]
    public async Task Internal_rpcs_refuse_callers_without_the_internal_token(string? token)
    {
        var tenant = await fixture.CreateTenantAsync("authz");
        var key = await fixture.Admin.CreateApiKeyAsync(
            new CreateApiKeyRequest { TenantId = tenant.Id, Name = "k" }, KeyVaultFixture.AdminHeaders);
        await fixture.Admin.CreateVirtualKeyAsync(
            new CreateVirtualKeyRequest { TenantId = tenant.Id, Slug = "vk", Provider = "openai", Credential = "sk-authz" },
            KeyVaultFixture.AdminHeaders);
        var headers = Headers(token);

        await AssertDenied(fixture.Internal.ResolveApiKeyAsync(new ResolveApiKeyRequest { ApiKey = key.Secret }, headers));
        await AssertDenied(fixture.Internal.ResolveVirtualKeyAsync(
            new ResolveVirtualKeyRequest { TenantId = tenant.Id, VirtualKey = "vk" }, headers));
    }

    private static Metadata Headers(string? token) => token is null ? [] : TestSecrets.Bearer(token);

    private static async Task AssertDenied<T>(AsyncUnaryCall<T> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync);
        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }
}
