using System.CommandLine;
using System.Globalization;
using Gateway.Cli.Connection;
using Gateway.Cli.Output;
using Gateway.Contracts.Config.V1;

namespace Gateway.Cli.Commands;

internal static class PriceCommands
{
    public static Command Create(TextWriter output) => new("prices", "Show the price table and manage negotiated prices")
    {
        List(output), Versions(output), Put(output), SetOverride(output), DeleteOverride(output),
    };

    private static readonly Google.Protobuf.JsonParser Parser = new(Google.Protobuf.JsonParser.Settings.Default);

    private static Command Versions(TextWriter output)
    {
        var versions = new Command("versions", "List every price table version, newest first");
        versions.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.Config, "Config address", "--config"));
            var list = await new Config.ConfigClient(channel).ListPriceVersionsAsync(
                new ListPriceVersionsRequest(), Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
            context.Printer.Write(list, () =>
            {
                var table = new Table("VERSION", "CREATED", "MODELS", "ACTIVE");
                foreach (var version in list.Versions)
                {
                    table.Add(version.Version,
                        version.CreatedAt?.ToDateTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) ?? "-",
                        version.ModelCount.ToString(CultureInfo.InvariantCulture), version.Active ? "*" : "");
                }

                return table.ToString().TrimEnd();
            });
        });
        return versions;
    }

    private static Command Put(TextWriter output)
    {
        var file = new Option<FileInfo>("--file")
        {
            Description = "The table as JSON: {\"version\": \"2026-01-list\", \"prices\": [{\"provider\", \"model\", " +
                "\"input_per_mtok\", \"cached_input_per_mtok\", \"cache_write_per_mtok\", \"output_per_mtok\"}]}",
            Required = true,
        };
        var version = new Option<string?>("--version") { Description = "Version to store it as (overrides the file's)" };
        var put = new Command("put", "Store a new price table version and make it the one in force") { file, version };
        put.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            var request = await ReadTableAsync(result.GetValue(file)!, cancellationToken);
            if (result.GetValue(version) is { Length: > 0 } named)
            {
                request.Version = named;
            }

            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.Config, "Config address", "--config"));
            var table = await new Config.ConfigClient(channel).PutPriceTableAsync(
                request, Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
            context.Printer.Write(table, () => $"price table {table.Version} with {table.Prices.Count} models is now in force");
        });
        return put;
    }

    private static Command DeleteOverride(TextWriter output)
    {
        var tenant = new Option<string>("--tenant") { Description = "Tenant with the negotiated price", Required = true };
        var provider = new Option<string>("--provider") { Description = "openai, anthropic, ...", Required = true };
        var model = new Option<string>("--model") { Description = "Exact model id", Required = true };
        var delete = new Command("delete-override", "Remove a tenant's negotiated price; list prices apply again") { tenant, provider, model };
        delete.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.Config, "Config address", "--config"));
            var request = new DeletePriceOverrideRequest
            {
                TenantId = result.GetValue(tenant)!,
                Provider = result.GetValue(provider)!,
                Model = result.GetValue(model)!,
            };
            var response = await new Config.ConfigClient(channel).DeletePriceOverrideAsync(
                request, Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
            context.Printer.Write(response, () => $"tenant {request.TenantId}: removed the negotiated price of {request.Provider}/{request.Model}");
        });
        return delete;
    }

    private static async Task<PutPriceTableRequest> ReadTableAsync(FileInfo file, CancellationToken cancellationToken)
    {
        if (!file.Exists)
        {
            throw new CliException($"price table file '{file.FullName}' does not exist");
        }

        var json = await File.ReadAllTextAsync(file.FullName, cancellationToken);
        try
        {
            return Parser.Parse<PutPriceTableRequest>(json);
        }
        catch (Exception ex) when (ex is Google.Protobuf.InvalidJsonException or Google.Protobuf.InvalidProtocolBufferException or FormatException)
        {
            throw new CliException($"price table file '{file.FullName}' is not a price table: {ex.Message}");
        }
    }

    private static Command List(TextWriter output)
    {
        var tenant = new Option<string?>("--tenant") { Description = "Apply this tenant's negotiated prices" };
        var list = new Command("list", "The price table in force (USD per 1M tokens)") { tenant };
        list.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.Config, "Config address", "--config"));
            var prices = await new Config.ConfigClient(channel).GetPricesAsync(
                new GetPricesRequest { TenantId = result.GetValue(tenant) ?? "" },
                Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
            context.Printer.Write(prices, () =>
            {
                var table = new Table("PROVIDER", "MODEL", "INPUT", "CACHED INPUT", "CACHE WRITE", "OUTPUT", "OVERRIDE");
                foreach (var price in prices.Prices)
                {
                    table.Add(price.Provider, price.Model, price.InputPerMtok, price.CachedInputPerMtok, price.CacheWritePerMtok,
                        price.OutputPerMtok, price.TenantOverride ? "yes" : "");
                }

                return $"price table {prices.Version}{(prices.TenantId.Length > 0 ? $", tenant {prices.TenantId}" : "")}\n{table}";
            });
        });
        return list;
    }

    private static Command SetOverride(TextWriter output)
    {
        var tenant = new Option<string>("--tenant") { Description = "Tenant with the negotiated price", Required = true };
        var provider = new Option<string>("--provider") { Description = "openai, anthropic, ...", Required = true };
        var model = new Option<string>("--model") { Description = "Exact model id", Required = true };
        var input = new Option<string>("--input") { Description = "USD per 1M input tokens", Required = true };
        var cachedInput = new Option<string>("--cached-input") { Description = "USD per 1M cached input tokens (default: --input)" };
        var cacheWrite = new Option<string>("--cache-write") { Description = "USD per 1M cache-write tokens (default: --input)" };
        var outputPrice = new Option<string>("--output") { Description = "USD per 1M output tokens", Required = true };
        var set = new Command("set-override", "Set a tenant's negotiated price for one model")
        {
            tenant, provider, model, input, cachedInput, cacheWrite, outputPrice,
        };
        set.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            using var channel = Channels.Open(GatewayEndpoints.Require(context.Endpoints.Config, "Config address", "--config"));
            var inputValue = result.GetValue(input)!;
            var stored = await new Config.ConfigClient(channel).SetPriceOverrideAsync(
                new SetPriceOverrideRequest
                {
                    TenantId = result.GetValue(tenant)!,
                    Price = new ModelPrice
                    {
                        Provider = result.GetValue(provider)!,
                        Model = result.GetValue(model)!,
                        InputPerMtok = inputValue,
                        CachedInputPerMtok = result.GetValue(cachedInput) ?? inputValue,
                        CacheWritePerMtok = result.GetValue(cacheWrite) ?? inputValue,
                        OutputPerMtok = result.GetValue(outputPrice)!,
                    },
                },
                Channels.Bearer(context.AdminToken), cancellationToken: cancellationToken);
            context.Printer.Write(stored, () =>
                $"tenant {stored.TenantId}: {stored.Price.Provider}/{stored.Price.Model} input {stored.Price.InputPerMtok}, " +
                $"cached input {stored.Price.CachedInputPerMtok}, cache write {stored.Price.CacheWritePerMtok}, output {stored.Price.OutputPerMtok}");
        });
        return set;
    }
}
