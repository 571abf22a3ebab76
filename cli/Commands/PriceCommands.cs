using System.CommandLine;
using Gateway.Cli.Connection;
using Gateway.Cli.Output;
using Gateway.Contracts.Config.V1;

namespace Gateway.Cli.Commands;

internal static class PriceCommands
{
    public static Command Create(TextWriter output) => new("prices", "Show the price table and manage negotiated prices")
    {
        List(output), SetOverride(output),
    };

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
