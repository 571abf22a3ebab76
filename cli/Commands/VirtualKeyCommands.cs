using System.CommandLine;
using Gateway.Cli.Connection;
using Gateway.Contracts.KeyVault.V1;

namespace Gateway.Cli.Commands;

internal static class VirtualKeyCommands
{
    public static Command Create(TextWriter output)
    {
        var tenant = new Option<string>("--tenant") { Description = "Owning tenant", Required = true };
        var slug = new Option<string>("--slug") { Description = "Name clients send in x-gateway-virtual-key", Required = true };
        var provider = new Option<string>("--provider") { Description = "openai, anthropic, mock, ...", Required = true };
        var credential = new Option<string?>("--credential") { Description = "Provider API key (or set PROVIDER_API_KEY)" };
        var baseUrl = new Option<string?>("--base-url") { Description = "Override the provider's base URL" };
        var create = new Command("create", "Store a provider credential as a virtual key") { tenant, slug, provider, credential, baseUrl };
        create.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.KeyVault, "KeyVault address", "--keyvault"));
            var created = await new KeyVaultAdmin.KeyVaultAdminClient(channel).CreateVirtualKeyAsync(
                new CreateVirtualKeyRequest
                {
                    TenantId = result.GetValue(tenant)!,
                    Slug = result.GetValue(slug)!,
                    Provider = result.GetValue(provider)!,
                    Credential = result.GetValue(credential) ?? Environment.GetEnvironmentVariable("PROVIDER_API_KEY") ?? "",
                    BaseUrl = result.GetValue(baseUrl) ?? "",
                },
                Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
            context.Printer.Write(created, () => $"virtual key {created.Slug} ({created.Provider}) for tenant {created.TenantId}");
        });

        return new Command("virtual-keys", "Manage virtual keys (stored provider credentials)") { create };
    }
}
