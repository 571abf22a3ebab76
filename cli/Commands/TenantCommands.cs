using System.CommandLine;
using System.Globalization;
using Gateway.Cli.Connection;
using Gateway.Cli.Output;
using Gateway.Contracts.KeyVault.V1;

namespace Gateway.Cli.Commands;

internal static class TenantCommands
{
    public static Command Create(TextWriter output) => new("tenants", "Manage tenants") { CreateTenant(output), List(output), Get(output) };

    private static Command CreateTenant(TextWriter output)
    {
        var id = new Argument<string>("id") { Description = "Tenant id: lowercase letters, digits and '-'" };
        var displayName = new Option<string?>("--display-name") { Description = "Human-readable name" };
        var ifNotExists = new Option<bool>("--if-not-exists") { Description = "Succeed when the tenant already exists" };
        var create = new Command("create", "Create a tenant") { id, displayName, ifNotExists };
        create.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.KeyVault, "KeyVault address", "--keyvault"));
            var tenant = await new KeyVaultAdmin.KeyVaultAdminClient(channel).CreateTenantAsync(
                new CreateTenantRequest
                {
                    Id = result.GetValue(id)!,
                    DisplayName = result.GetValue(displayName) ?? "",
                    IfNotExists = result.GetValue(ifNotExists),
                },
                Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
            context.Printer.Write(tenant, () => $"tenant {tenant.Id} ({tenant.DisplayName})");
        });
        return create;
    }

    private static Command List(TextWriter output)
    {
        var list = new Command("list", "List every tenant");
        list.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.KeyVault, "KeyVault address", "--keyvault"));
            var client = new KeyVaultAdmin.KeyVaultAdminClient(channel);

            // Every page, so the table (and --json) shows all tenants in one answer.
            var all = new ListTenantsResponse();
            var token = "";
            do
            {
                var page = await client.ListTenantsAsync(new ListTenantsRequest { PageSize = 1000, PageToken = token },
                    Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
                all.Tenants.Add(page.Tenants);
                token = page.NextPageToken;
            }
            while (token.Length > 0);

            context.Printer.Write(all, () =>
            {
                var table = new Table("ID", "NAME", "CREATED");
                foreach (var tenant in all.Tenants)
                {
                    table.Add(tenant.Id, tenant.DisplayName, Format(tenant));
                }

                return table.ToString().TrimEnd();
            });
        });
        return list;
    }

    private static Command Get(TextWriter output)
    {
        var id = new Argument<string>("id") { Description = "Tenant id" };
        var get = new Command("get", "Show one tenant") { id };
        get.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.KeyVault, "KeyVault address", "--keyvault"));
            var tenant = await new KeyVaultAdmin.KeyVaultAdminClient(channel).GetTenantAsync(
                new GetTenantRequest { Id = result.GetValue(id)! }, Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
            context.Printer.Write(tenant, () => $"tenant {tenant.Id} ({tenant.DisplayName}), created {Format(tenant)}");
        });
        return get;
    }

    private static string Format(Tenant tenant) =>
        tenant.CreatedAt is null ? "-" : tenant.CreatedAt.ToDateTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);
}
