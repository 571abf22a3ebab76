using System.CommandLine;
using System.Globalization;
using Gateway.Cli.Connection;
using Gateway.Cli.Output;
using Gateway.Contracts.Analytics.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gateway.Cli.Commands;

internal static class UsageCommands
{
    public static Command Create(TextWriter output)
    {
        var tenant = new Option<string?>("--tenant") { Description = "Tenant (required with the admin token; a gateway key implies its own)" };
        var days = new Option<int>("--days") { Description = "Look back this many days", DefaultValueFactory = _ => 30 };
        var usage = new Command("usage", "Cost rollup per provider and model from the Analytics API") { tenant, days };
        usage.SetAction(async (result, cancellationToken) =>
        {
            var context = CommandContext.From(result, output);
            var endpoints = context.Endpoints;
            var token = endpoints.ApiKey ?? GatewayEndpoints.Require(endpoints.AdminToken, "admin token or gateway key", "--admin-token or --api-key");
            using var channel = Channels.Open(GatewayEndpoints.Require(endpoints.Analytics, "Analytics address", "--analytics"));
            var end = DateTime.UtcNow;
            var rollup = await new Analytics.AnalyticsClient(channel).GetCostRollupAsync(
                new GetCostRollupRequest
                {
                    TenantId = result.GetValue(tenant) ?? "",
                    StartTime = Timestamp.FromDateTime(end.AddDays(-result.GetValue(days))),
                    EndTime = Timestamp.FromDateTime(end),
                },
                Channels.Bearer(token), cancellationToken: cancellationToken);
            context.Printer.Write(rollup, () => Render(rollup));
        });
        return usage;
    }

    private static string Render(GetCostRollupResponse rollup)
    {
        var table = new Table("provider", "model", "requests", "errors", "input", "cached", "output", "cost (USD)");
        foreach (var row in rollup.Rows)
        {
            // Requests that reached no model (e.g. GET /v1/models, or refused before routing) have neither.
            AddRow(table, OrDash(row.Provider), OrDash(row.Model), row);
        }

        AddRow(table, "total", "", rollup.Totals ?? new CostRollupRow());
        var from = rollup.StartTime?.ToDateTime().ToString("u", CultureInfo.InvariantCulture);
        var to = rollup.EndTime?.ToDateTime().ToString("u", CultureInfo.InvariantCulture);
        return $"tenant {rollup.TenantId}, {from} to {to}\n{table}";
    }

    private static void AddRow(Table table, string provider, string model, CostRollupRow row) =>
        table.Add(provider, model, Number(row.Requests), Number(row.Errors), Number(row.InputTokens),
            Number(row.CachedInputTokens), Number(row.OutputTokens), string.IsNullOrEmpty(row.CostUsd) ? "0" : row.CostUsd);

    private static string OrDash(string value) => value.Length == 0 ? "-" : value;

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
