using Gateway.Contracts.KeyVault.V1;
using Grpc.Core;

namespace Gateway.KeyVault.Tests.Tenants;

[Collection(KeyVaultCollection.Name)]
public sealed class ListTenantsTests(KeyVaultFixture fixture)
{
    [Fact]
    public async Task Pages_cover_every_tenant_once_in_id_order()
    {
        var created = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var tenant = await fixture.Admin.CreateTenantAsync(
                new CreateTenantRequest { Id = KeyVaultFixture.NewTenantId("list"), DisplayName = $"List {i}" }, KeyVaultFixture.AdminHeaders);
            created.Add(tenant.Id);
        }

        var seen = new List<Tenant>();
        var pages = 0;
        var token = "";
        do
        {
            var page = await fixture.Admin.ListTenantsAsync(new ListTenantsRequest { PageSize = 2, PageToken = token }, KeyVaultFixture.AdminHeaders);
            Assert.InRange(page.Tenants.Count, 0, 2);
            seen.AddRange(page.Tenants);
            token = page.NextPageToken;
            pages++;
        }
        while (token.Length > 0 && pages < 10_000);

        var ids = seen.Select(t => t.Id).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(created.Order(StringComparer.Ordinal), ids.Where(created.Contains));
        Assert.Equal("List 1", seen.Single(t => t.Id == created[1]).DisplayName);
        Assert.True(pages >= 2, "three new tenants at two a page need at least two pages");
    }

    [Fact]
    public async Task The_default_page_holds_up_to_a_hundred()
    {
        await fixture.Admin.CreateTenantAsync(new CreateTenantRequest { Id = KeyVaultFixture.NewTenantId("list") }, KeyVaultFixture.AdminHeaders);

        var page = await fixture.Admin.ListTenantsAsync(new ListTenantsRequest(), KeyVaultFixture.AdminHeaders);

        Assert.InRange(page.Tenants.Count, 1, 100);
        if (page.Tenants.Count < 100)
        {
            Assert.Empty(page.NextPageToken);
        }
    }

    [Fact]
    public async Task Listing_needs_the_admin_token()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Admin.ListTenantsAsync(new ListTenantsRequest(), KeyVaultFixture.InternalHeaders).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
    }

    [Theory]
    [InlineData(-1, "")]
    [InlineData(1001, "")]
    [InlineData(10, "Not A Token!")]
    public async Task A_bad_page_request_is_invalid_argument(int pageSize, string pageToken)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Admin.ListTenantsAsync(
            new ListTenantsRequest { PageSize = pageSize, PageToken = pageToken }, KeyVaultFixture.AdminHeaders).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
    }
}
