using System.CommandLine;
using System.Globalization;
using Gateway.Cli.Connection;
using Gateway.Cli.Output;
using Gateway.Contracts.Config.V1;

namespace Gateway.Cli.Commands;

internal static class ConfigCommands
{
    public static Command Create(TextWriter output) => new("configs", "Manage routing configs (versioned, per tenant)")
    {
        Put(output), Validate(output), Versions(output),
    };

    private static Command Put(TextWriter output)
    {
        var tenant = new Option<string>("--tenant") { Description = "Owning tenant", Required = true };
        var id = new Option<string>("--id") { Description = "Config id clients send in x-gateway-config", Required = true };
        var file = new Option<FileInfo>("--file") { Description = "The config JSON", Required = true };
        var put = new Command("put", "Store a config file as the config's next version") { tenant, id, file };
        put.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            var json = await ReadAsync(result.GetValue(file)!, cancellationToken);
            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.Config, "Config address", "--config"));
            var stored = await new Config.ConfigClient(channel).PutConfigAsync(
                new PutConfigRequest { TenantId = result.GetValue(tenant)!, ConfigId = result.GetValue(id)!, Json = json },
                Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
            context.Printer.Write(stored, () => $"config {stored.ConfigId} of tenant {stored.TenantId}: version {stored.Version} is now latest");
        });
        return put;
    }

    private static Command Validate(TextWriter output)
    {
        var file = new Option<FileInfo>("--file") { Description = "The config JSON", Required = true };
        var validate = new Command("validate", "Check a config file and list every error (stores nothing)") { file };
        validate.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            var json = await ReadAsync(result.GetValue(file)!, cancellationToken);
            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.Config, "Config address", "--config"));
            var response = await new Config.ConfigClient(channel).ValidateConfigAsync(
                new ValidateConfigRequest { Json = json }, Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
            context.Printer.Write(response, () =>
            {
                if (response.Valid)
                {
                    return "valid";
                }

                var table = new Table("PATH", "ERROR");
                foreach (var error in response.Errors)
                {
                    table.Add(error.Path, error.Message);
                }

                return table.ToString();
            });

            // Scripts gate on the exit code, so an invalid config fails the command even though the call succeeded.
            return response.Valid ? 0 : 1;
        });
        return validate;
    }

    private static Command Versions(TextWriter output)
    {
        var tenant = new Option<string>("--tenant") { Description = "Owning tenant", Required = true };
        var id = new Option<string>("--id") { Description = "Config id", Required = true };
        var versions = new Command("versions", "List a config's stored versions") { tenant, id };
        versions.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.Config, "Config address", "--config"));
            var list = await new Config.ConfigClient(channel).ListConfigVersionsAsync(
                new ListConfigVersionsRequest { TenantId = result.GetValue(tenant)!, ConfigId = result.GetValue(id)! },
                Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
            context.Printer.Write(list, () =>
            {
                var table = new Table("VERSION", "CREATED", "LATEST");
                foreach (var version in list.Versions)
                {
                    table.Add(version.Version.ToString(CultureInfo.InvariantCulture),
                        version.CreatedAt.ToDateTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture),
                        version.Version == list.LatestVersion ? "*" : "");
                }

                return table.ToString();
            });
        });
        return versions;
    }

    private static async Task<string> ReadAsync(FileInfo file, CancellationToken cancellationToken) =>
        file.Exists
            ? await File.ReadAllTextAsync(file.FullName, cancellationToken)
            : throw new CliException($"config file '{file.FullName}' does not exist");
}
