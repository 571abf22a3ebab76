using System.CommandLine;
using System.Globalization;
using Gateway.Cli.Connection;
using Gateway.Cli.Output;
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

        return new Command("virtual-keys", "Manage virtual keys (stored provider credentials)")
        {
            create, List(output), Delete(output), ReEncrypt(output),
        };
    }

    private static Command List(TextWriter output)
    {
        var tenant = new Option<string>("--tenant") { Description = "Owning tenant", Required = true };
        var list = new Command("list", "List a tenant's virtual keys (never their credentials)") { tenant };
        list.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.KeyVault, "KeyVault address", "--keyvault"));
            var keys = await new KeyVaultAdmin.KeyVaultAdminClient(channel).ListTenantVirtualKeysAsync(
                new ListVirtualKeysRequest { TenantId = result.GetValue(tenant)! },
                Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
            context.Printer.Write(keys, () =>
            {
                var table = new Table("SLUG", "PROVIDER", "BASE URL", "MASTER KEY", "CREATED", "ID");
                foreach (var key in keys.VirtualKeys)
                {
                    table.Add(key.Slug, key.Provider, key.BaseUrl.Length == 0 ? "-" : key.BaseUrl, key.MasterKeyId,
                        key.CreatedAt.ToDateTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), key.Id);
                }

                return table.ToString().TrimEnd();
            });
        });
        return list;
    }

    private static Command Delete(TextWriter output)
    {
        var tenant = new Option<string>("--tenant") { Description = "Owning tenant", Required = true };
        var slug = new Argument<string>("slug") { Description = "The virtual key's slug" };
        var delete = new Command("delete", "Delete a virtual key; requests naming it fail from then on") { tenant, slug };
        delete.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.KeyVault, "KeyVault address", "--keyvault"));
            var deleted = await new KeyVaultAdmin.KeyVaultAdminClient(channel).DeleteVirtualKeyAsync(
                new DeleteVirtualKeyRequest { TenantId = result.GetValue(tenant)!, Slug = result.GetValue(slug)! },
                Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
            context.Printer.Write(deleted, () => $"deleted virtual key {deleted.Slug} of tenant {deleted.TenantId}");
        });
        return delete;
    }

    private static Command ReEncrypt(TextWriter output)
    {
        var batchSize = new Option<int>("--batch-size") { Description = "Rows per transaction (default 100)" };
        var reencrypt = new Command("reencrypt",
            "Re-wrap every virtual key under the active master key (after rotating KeyVault:MasterKey)") { batchSize };
        reencrypt.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.KeyVault, "KeyVault address", "--keyvault"));
            var done = await new KeyVaultAdmin.KeyVaultAdminClient(channel).ReEncryptVirtualKeysAsync(
                new ReEncryptVirtualKeysRequest { BatchSize = result.GetValue(batchSize) },
                Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
            context.Printer.Write(done, () => done.Remaining == 0
                ? $"re-encrypted {done.Reencrypted} virtual keys; all are under master key {done.ActiveMasterKeyId}"
                : $"re-encrypted {done.Reencrypted} virtual keys under {done.ActiveMasterKeyId}; {done.Remaining} remain under " +
                  $"unconfigured master keys {string.Join(", ", done.UnknownMasterKeyIds)}: add them to KeyVault:PreviousMasterKeys and run again");
        });
        return reencrypt;
    }
}
