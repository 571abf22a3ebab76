using Gateway.Contracts.KeyVault.V1;
using Grpc.Core;
using Npgsql;

namespace Gateway.KeyVault.Tests.Tenants;

[Collection(KeyVaultCollection.Name)]
public sealed class TenantAdminTests(KeyVaultFixture fixture)
{
    [Fact]
    public async Task Create_returns_the_tenant_and_get_finds_it()
    {
        var id = KeyVaultFixture.NewTenantId("acme");

        var created = await fixture.Admin.CreateTenantAsync(
            new CreateTenantRequest { Id = id, DisplayName = "Acme Corp" }, KeyVaultFixture.AdminHeaders);
        var fetched = await fixture.Admin.GetTenantAsync(new GetTenantRequest { Id = id }, KeyVaultFixture.AdminHeaders);

        Assert.Equal(id, created.Id);
        Assert.Equal("Acme Corp", created.DisplayName);
        Assert.InRange(created.CreatedAt.ToDateTime(), DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddMinutes(5));
        Assert.Equal(created, fetched);
    }

    [Fact]
    public async Task Display_name_defaults_to_the_id()
    {
        var id = KeyVaultFixture.NewTenantId("noname");

        var created = await fixture.Admin.CreateTenantAsync(new CreateTenantRequest { Id = id }, KeyVaultFixture.AdminHeaders);

        Assert.Equal(id, created.DisplayName);
    }

    [Fact]
    public async Task Creating_an_existing_id_fails_with_already_exists()
    {
        var id = KeyVaultFixture.NewTenantId("dup");
        await fixture.Admin.CreateTenantAsync(new CreateTenantRequest { Id = id }, KeyVaultFixture.AdminHeaders);

        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Admin.CreateTenantAsync(
            new CreateTenantRequest { Id = id }, KeyVaultFixture.AdminHeaders).ResponseAsync);

        Assert.Equal(StatusCode.AlreadyExists, error.StatusCode);
        Assert.Contains("if_not_exists", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task If_not_exists_returns_the_existing_tenant_unchanged()
    {
        var id = KeyVaultFixture.NewTenantId("idem");
        var first = await fixture.Admin.CreateTenantAsync(
            new CreateTenantRequest { Id = id, DisplayName = "First" }, KeyVaultFixture.AdminHeaders);

        var second = await fixture.Admin.CreateTenantAsync(
            new CreateTenantRequest { Id = id, DisplayName = "Second", IfNotExists = true }, KeyVaultFixture.AdminHeaders);

        Assert.Equal(first, second);
        Assert.Equal(1L, await CountAuditRowsAsync("tenant.create", id));
    }

    [Fact]
    public async Task If_not_exists_creates_a_missing_tenant()
    {
        var id = KeyVaultFixture.NewTenantId("fresh");

        var created = await fixture.Admin.CreateTenantAsync(
            new CreateTenantRequest { Id = id, IfNotExists = true }, KeyVaultFixture.AdminHeaders);

        Assert.Equal(id, created.Id);
        Assert.Equal(1L, await CountAuditRowsAsync("tenant.create", id));
    }

    [Fact]
    public async Task Get_of_an_unknown_tenant_is_not_found()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Admin.GetTenantAsync(
            new GetTenantRequest { Id = KeyVaultFixture.NewTenantId("ghost") }, KeyVaultFixture.AdminHeaders).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a")]
    [InlineData("-leading-dash")]
    [InlineData("Upper")]
    [InlineData("under_score")]
    [InlineData("dot.ted")]
    [InlineData("spa ce")]
    [InlineData("a123456789012345678901234567890123456789012345678901234567890123")]
    public async Task Invalid_ids_are_rejected_with_a_message_saying_what_to_fix(string id)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Admin.CreateTenantAsync(
            new CreateTenantRequest { Id = id }, KeyVaultFixture.AdminHeaders).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("lowercase letters, digits and '-'", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Longest_valid_id_is_accepted()
    {
        var id = ("z" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"))[..63];

        var created = await fixture.Admin.CreateTenantAsync(new CreateTenantRequest { Id = id }, KeyVaultFixture.AdminHeaders);

        Assert.Equal(id, created.Id);
    }

    private async Task<long> CountAuditRowsAsync(string action, string tenantId)
    {
        await using var command = fixture.Database.CreateCommand(
            "SELECT count(*) FROM audit_log WHERE action = $1 AND tenant_id = $2");
        command.Parameters.Add(new NpgsqlParameter { Value = action });
        command.Parameters.Add(new NpgsqlParameter { Value = tenantId });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
