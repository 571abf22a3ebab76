using System.CommandLine;
using Gateway.Cli.Connection;
using Gateway.Contracts.KeyVault.V1;

namespace Gateway.Cli.Commands;

internal static class KeyCommands
{
    public static Command Create(TextWriter output)
    {
        var tenant = new Option<string>("--tenant") { Description = "Owning tenant", Required = true };
        var name = new Option<string>("--name") { Description = "Key name", Required = true };
        var create = new Command("create", "Create a gateway API key (the secret is shown once)") { tenant, name };
        create.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.KeyVault, "KeyVault address", "--keyvault"));
            var created = await new KeyVaultAdmin.KeyVaultAdminClient(channel).CreateApiKeyAsync(
                new CreateApiKeyRequest { TenantId = result.GetValue(tenant)!, Name = result.GetValue(name)! },
                Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
            context.Printer.Write(created, () =>
                $"key {created.ApiKey.Id} ({created.ApiKey.Prefix}) for tenant {created.ApiKey.TenantId}\n" +
                $"secret (shown once): {created.Secret}");
        });

        return new Command("keys", "Manage gateway API keys") { create };
    }
}
