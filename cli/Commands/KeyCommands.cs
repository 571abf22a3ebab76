using System.CommandLine;
using System.Globalization;
using Gateway.Cli.Connection;
using Gateway.Cli.Output;
using Gateway.Contracts.KeyVault.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gateway.Cli.Commands;

internal static class KeyCommands
{
    public static Command Create(TextWriter output) =>
        new("keys", "Manage gateway API keys") { CreateKey(output), List(output), Revoke(output) };

    private static Command CreateKey(TextWriter output)
    {
        var tenant = new Option<string>("--tenant") { Description = "Owning tenant", Required = true };
        var name = new Option<string>("--name") { Description = "Key name", Required = true };
        var expiresIn = new Option<string?>("--expires-in") { Description = "Lifetime, e.g. 30d, 12h, 90m (default: never expires)" };
        var providers = new Option<string[]>("--scope-provider") { Description = "Allowed provider (repeatable; none = all)" };
        var models = new Option<string[]>("--scope-model") { Description = "Allowed model (repeatable; none = all)" };
        var configs = new Option<string[]>("--scope-config") { Description = "Allowed config id (repeatable; none = all)" };
        var create = new Command("create", "Create a gateway API key (the secret is shown once)")
        {
            tenant, name, expiresIn, providers, models, configs,
        };
        create.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            var request = new CreateApiKeyRequest
            {
                TenantId = result.GetValue(tenant)!,
                Name = result.GetValue(name)!,
                Scopes = new ApiKeyScopes
                {
                    Providers = { result.GetValue(providers) ?? [] },
                    Models = { result.GetValue(models) ?? [] },
                    ConfigIds = { result.GetValue(configs) ?? [] },
                },
            };
            if (result.GetValue(expiresIn) is { } lifetime)
            {
                request.ExpiresAt = Timestamp.FromDateTime(DateTime.UtcNow + ParseLifetime(lifetime));
            }

            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.KeyVault, "KeyVault address", "--keyvault"));
            var created = await new KeyVaultAdmin.KeyVaultAdminClient(channel).CreateApiKeyAsync(
                request, Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
            context.Printer.Write(created, () =>
                $"key {created.ApiKey.Id} ({created.ApiKey.Prefix}) for tenant {created.ApiKey.TenantId}" +
                (created.ApiKey.ExpiresAt is null ? "" : $", expires {Format(created.ApiKey.ExpiresAt)}") + "\n" +
                $"secret (shown once): {created.Secret}");
        });
        return create;
    }

    private static Command List(TextWriter output)
    {
        var tenant = new Option<string>("--tenant") { Description = "Owning tenant", Required = true };
        var list = new Command("list", "List a tenant's gateway API keys (never their secrets)") { tenant };
        list.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.KeyVault, "KeyVault address", "--keyvault"));
            var keys = await new KeyVaultAdmin.KeyVaultAdminClient(channel).ListApiKeysAsync(
                new ListApiKeysRequest { TenantId = result.GetValue(tenant)! },
                Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
            context.Printer.Write(keys, () =>
            {
                var table = new Table("ID", "NAME", "PREFIX", "CREATED", "EXPIRES", "REVOKED", "LAST USED", "SCOPES");
                foreach (var key in keys.ApiKeys)
                {
                    table.Add(key.Id, key.Name, key.Prefix, Format(key.CreatedAt), Format(key.ExpiresAt), Format(key.RevokedAt),
                        Format(key.LastUsedAt), Describe(key.Scopes));
                }

                return table.ToString().TrimEnd();
            });
        });
        return list;
    }

    private static Command Revoke(TextWriter output)
    {
        var tenant = new Option<string>("--tenant") { Description = "Owning tenant", Required = true };
        var id = new Argument<string>("id") { Description = "The key id (see `keys list`)" };
        var revoke = new Command("revoke", "Revoke a gateway API key; it stops working immediately") { tenant, id };
        revoke.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.KeyVault, "KeyVault address", "--keyvault"));
            var revoked = await new KeyVaultAdmin.KeyVaultAdminClient(channel).RevokeApiKeyAsync(
                new RevokeApiKeyRequest { TenantId = result.GetValue(tenant)!, Id = result.GetValue(id)! },
                Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
            context.Printer.Write(revoked, () => $"revoked key {revoked.Id} ({revoked.Prefix}) at {Format(revoked.RevokedAt)}");
        });
        return revoke;
    }

    /// <summary>"30d", "12h", "90m" or "45s"; anything else is a usage error with the accepted forms.</summary>
    internal static TimeSpan ParseLifetime(string value)
    {
        if (value.Length >= 2
            && int.TryParse(value.AsSpan(0, value.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var amount)
            && amount > 0)
        {
            switch (value[^1])
            {
                case 'd': return TimeSpan.FromDays(amount);
                case 'h': return TimeSpan.FromHours(amount);
                case 'm': return TimeSpan.FromMinutes(amount);
                case 's': return TimeSpan.FromSeconds(amount);
            }
        }

        throw new CliException($"--expires-in '{value}' is not a lifetime; use a positive number with d, h, m or s (e.g. 30d).");
    }

    private static string Format(Timestamp? time) =>
        time is null ? "-" : time.ToDateTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    private static string Describe(ApiKeyScopes? scopes)
    {
        if (scopes is null || scopes.Providers.Count + scopes.Models.Count + scopes.ConfigIds.Count == 0)
        {
            return "all";
        }

        List<string> parts = [];
        if (scopes.Providers.Count > 0) parts.Add("providers=" + string.Join(',', scopes.Providers));
        if (scopes.Models.Count > 0) parts.Add("models=" + string.Join(',', scopes.Models));
        if (scopes.ConfigIds.Count > 0) parts.Add("configs=" + string.Join(',', scopes.ConfigIds));
        return string.Join(' ', parts);
    }
}
