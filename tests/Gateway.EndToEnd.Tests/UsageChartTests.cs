using Gateway.Cli.Commands;
using Gateway.Contracts.Analytics.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gateway.EndToEnd.Tests;

/// <summary>The human output of <c>gatewayctl usage</c>: the table, then bar charts of cost per day and per model.</summary>
public sealed class UsageChartTests
{
    private static readonly DateTime Start = new(2026, 3, 1, 12, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void Usage_draws_cost_per_day_for_every_day_of_the_range_and_cost_per_model()
    {
        var rollup = new GetCostRollupResponse
        {
            TenantId = "acme",
            StartTime = Timestamp.FromDateTime(Start),
            EndTime = Timestamp.FromDateTime(Start.AddDays(3)),
            Granularity = Granularity.Day,
            Rows = { Row("openai", "gpt-4o", "3", 4), Row("anthropic", "claude-sonnet", "1.05", 2) },
            Series =
            {
                Row("openai", "gpt-4o", "1", 1, Start.Date), Row("anthropic", "claude-sonnet", "1", 1, Start.Date),
                Row("openai", "gpt-4o", "2", 3, Start.Date.AddDays(2)), Row("anthropic", "claude-sonnet", "0.05", 1, Start.Date.AddDays(3)),
            },
            Totals = Row("", "", "4.05", 6),
        };

        var lines = UsageCommands.Render(rollup, chartWidth: 40).Split('\n');

        // Per day: Mar 1 (partial) to Mar 4 (partial), the empty day included; the biggest day fills 40 columns.
        var perDay = After(lines, "cost per day (USD, UTC days)", 4);
        Assert.Equal("  2026-03-01  " + new string('█', 40) + "  2", perDay[0]);
        Assert.Equal("  2026-03-02  " + new string(' ', 40) + "  0", perDay[1]);
        Assert.Equal("  2026-03-03  " + new string('█', 40) + "  2", perDay[2]);
        // 0.05 of 2 is 1 column: the partial blocks keep small days visible.
        Assert.Equal("  2026-03-04  █" + new string(' ', 39) + "  0.05", perDay[3]);

        // Per model: 1.05 / 3 of 40 columns = 14 columns = 112 eighths.
        var perModel = After(lines, "cost per model (USD)", 2);
        Assert.Equal("  openai/gpt-4o            " + new string('█', 40) + "  3", perModel[0]);
        Assert.Equal("  anthropic/claude-sonnet  " + new string('█', 14) + new string(' ', 26) + "  1.05", perModel[1]);

        // The table is still there, with the exact total.
        Assert.Contains(lines, l => l.StartsWith("total", StringComparison.Ordinal) && l.TrimEnd().EndsWith("4.05", StringComparison.Ordinal));
    }

    [Fact]
    public void Partial_columns_are_drawn_in_eighths_and_an_empty_range_says_so()
    {
        var rollup = new GetCostRollupResponse
        {
            TenantId = "acme",
            StartTime = Timestamp.FromDateTime(Start.Date),
            EndTime = Timestamp.FromDateTime(Start.Date.AddDays(1)),
            Rows = { Row("openai", "a", "8", 1), Row("openai", "b", "4.5", 1), Row("openai", "c", "0.0001", 1) },
            Totals = Row("", "", "12.5001", 3),
        };

        var lines = UsageCommands.Render(rollup, chartWidth: 8).Split('\n');
        var empty = UsageCommands.Render(new GetCostRollupResponse { TenantId = "quiet", Totals = new CostRollupRow() }, 8);

        var perModel = After(lines, "cost per model (USD)", 3);
        Assert.Equal("  openai/a  ████████  8", perModel[0]);
        Assert.Equal("  openai/b  ████▌     4.5", perModel[1]);
        Assert.Equal("  openai/c  ▏         0.0001", perModel[2]);
        // One day in the range, without series: a single empty day.
        Assert.Equal("  2026-03-01            0", After(lines, "cost per day (USD, UTC days)", 1)[0]);
        Assert.Contains("(nothing in this range)", empty, StringComparison.Ordinal);
    }

    private static CostRollupRow Row(string provider, string model, string cost, long requests, DateTime? bucket = null) => new()
    {
        Provider = provider,
        Model = model,
        CostUsd = cost,
        Requests = requests,
        BucketStart = bucket is { } b ? Timestamp.FromDateTime(b) : null,
    };

    private static string[] After(string[] lines, string title, int count)
    {
        var index = Array.IndexOf(lines, title);
        Assert.True(index >= 0, $"No chart titled '{title}'.");
        return [.. lines.Skip(index + 1).Take(count).Select(l => l.TrimEnd('\r'))];
    }
}
