using System.CommandLine;
using Gateway.Cli.Connection;
using Gateway.Contracts.KeyVault.V1;

namespace Gateway.Cli.Commands;

internal static class TenantCommands
{
    public static Command Create(TextWriter output)
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

        return new Command("tenants", "Manage tenants") { create };
    }
}
