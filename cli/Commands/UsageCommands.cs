using System.CommandLine;
using System.Globalization;
using Gateway.Cli.Connection;
using Gateway.Cli.Output;
using Gateway.Contracts;
using Gateway.Contracts.Analytics.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gateway.Cli.Commands;

internal static class UsageCommands
{
    public static Command Create(TextWriter output)
    {
        var tenant = new Option<string?>("--tenant") { Description = "Tenant (required with the admin token; a gateway key implies its own)" };
        var days = new Option<int>("--days") { Description = "Look back this many days", DefaultValueFactory = _ => 30 };
        var usage = new Command("usage",
            "Cost rollup per provider and model from the Analytics API: a table and bar charts of cost per day and per model")
        {
            tenant, days,
        };
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
                    // Daily series for the per-day chart; --json prints them too.
                    Granularity = Granularity.Day,
                },
                Channels.Bearer(token), cancellationToken: cancellationToken);
            context.Printer.Write(rollup, () => Render(rollup, chartWidth: null));
        });
        return usage;
    }

    /// <summary>The table, then the charts of cost per UTC day (every day of the range, empty ones too) and per
    /// provider/model. <paramref name="chartWidth"/>: bar columns, or null to fit the terminal.</summary>
    internal static string Render(GetCostRollupResponse rollup, int? chartWidth)
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
        var days = CostPerDay(rollup);
        var models = rollup.Rows
            .Select(r => (Label: Name(r), Value: Money(r.CostUsd), Text: string.IsNullOrEmpty(r.CostUsd) ? "0" : r.CostUsd))
            .ToList();
        var bars = days.Concat(models).ToList();
        var width = chartWidth ?? UsageChart.WidthFor(bars.Select(b => b.Label.Length).DefaultIfEmpty(0).Max(),
            bars.Select(b => b.Text.Length).DefaultIfEmpty(0).Max());
        return $"tenant {rollup.TenantId}, {from} to {to}\n{table}\n"
            + UsageChart.Render("cost per day (USD, UTC days)", days, width) + "\n"
            + UsageChart.Render("cost per model (USD)", models, width);
    }

    /// <summary>The daily series summed over the groups, one bar per UTC day from the range's first to its last day.</summary>
    private static List<(string Label, decimal Value, string Text)> CostPerDay(GetCostRollupResponse rollup)
    {
        if (rollup.StartTime is null || rollup.EndTime is null)
        {
            return [];
        }

        var perDay = new SortedDictionary<DateTime, decimal>();
        var last = rollup.EndTime.ToDateTime().AddTicks(-1).Date;
        for (var day = rollup.StartTime.ToDateTime().Date; day <= last; day = day.AddDays(1))
        {
            perDay[day] = 0m;
        }

        foreach (var row in rollup.Series)
        {
            var day = row.BucketStart?.ToDateTime().Date ?? default;
            perDay[day] = perDay.GetValueOrDefault(day) + Money(row.CostUsd);
        }

        return [.. perDay.Select(d => (d.Key.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d.Value, ExactDecimal.ToText(d.Value)))];
    }

    private static string Name(CostRollupRow row) =>
        row.Provider.Length == 0 && row.Model.Length == 0 ? "-" : $"{OrDash(row.Provider)}/{OrDash(row.Model)}";

    /// <summary>Exact decimal text (the API's wire form) as a decimal; empty is zero.</summary>
    private static decimal Money(string text) => ExactDecimal.TryParse(text, out var value) ? value : 0m;

    private static void AddRow(Table table, string provider, string model, CostRollupRow row) =>
        table.Add(provider, model, Number(row.Requests), Number(row.Errors), Number(row.InputTokens),
            Number(row.CachedInputTokens), Number(row.OutputTokens), string.IsNullOrEmpty(row.CostUsd) ? "0" : row.CostUsd);

    private static string OrDash(string value) => value.Length == 0 ? "-" : value;

    private static string Number(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
