using System.Globalization;
using System.Text;
using Gateway.Bench.Edge.Load;
using Gateway.Bench.Edge.Soak;

namespace Gateway.Bench.Edge.Report;

/// <summary>The one table the benchmark prints, as aligned text for the console and as markdown for the results file.</summary>
internal sealed class ResultTable(string header)
{
    private static readonly string[] Columns =
    [
        "scenario", "c", "direct rps", "p50", "p99", "p99.9", "Edge rps", "p50", "p99", "p99.9", "added p50", "added p99",
        "errors", "target", "met",
    ];

    private const string Legend = "Latencies in ms; 'added' = Edge minus direct under the same load (run back to back). " +
        "CPU µs/request: CPU time of each process (from /proc; PostgreSQL as its whole process tree, wrk as the runs this " +
        "program reaped) during an Edge run and the ingest of its usage, divided by its requests; 'sum' adds them up, " +
        "'machine' is the busy time of all cores over the same span (whatever else ran included).";

    private readonly List<ResultRow> _rows = [];
    private readonly List<string> _notes = [];

    public void Add(ResultRow row) => _rows.Add(row);

    public void Note(string note) => _notes.Add(note);

    public void Add(SoakResult soak)
    {
        var load = soak.Load;
        _rows.Add(new ResultRow($"soak {soak.Duration.TotalMinutes:F1} min at {soak.TargetRate:F0}/s (paced)", "64 workers", null, load,
            "RSS < 200 MB, no upward trend", soak.MeetsTarget));
        _notes.Add(Invariant($"Soak: Edge RSS first {soak.First:F1} MB, max {soak.Max:F1} MB, max over the second half {soak.SecondHalfMax:F1} MB, last {soak.Last:F1} MB; slope over the second half {soak.SecondHalfSlope:F2} MB/min (flat means < {SoakResult.FlatSlopeMegabytesPerMinute} MB/min); {soak.Samples.Count} samples every 10 s; achieved {load.RequestsPerSecond:F0} req/s, {load.Errors} errors."));
    }

    public string ToText()
    {
        var cells = _rows.Select(Cells).ToList();
        var widths = Columns.Select((c, i) => Math.Max(c.Length, cells.Count == 0 ? 0 : cells.Max(r => r[i].Length))).ToArray();
        var text = new StringBuilder().AppendLine(header);
        text.AppendLine(Line(Columns, widths));
        text.AppendLine(string.Join("-+-", widths.Select(w => new string('-', w))));
        foreach (var row in cells)
        {
            text.AppendLine(Line(row, widths));
        }

        text.AppendLine(Legend);
        foreach (var note in _notes)
        {
            text.AppendLine(note);
        }

        return text.ToString();
    }

    public string ToMarkdown()
    {
        var text = new StringBuilder().AppendLine("# Edge overhead benchmark").AppendLine().AppendLine(header).AppendLine();
        text.AppendLine("| " + string.Join(" | ", Columns) + " |");
        text.AppendLine("|" + string.Concat(Columns.Select(_ => "---|")));
        foreach (var row in _rows.Select(Cells))
        {
            text.AppendLine("| " + string.Join(" | ", row) + " |");
        }

        text.AppendLine().AppendLine(Legend).AppendLine();
        foreach (var note in _notes)
        {
            text.Append("- ").AppendLine(note);
        }

        return text.ToString();
    }

    private static string[] Cells(ResultRow row)
    {
        var direct = row.Direct;
        return
        [
            row.Scenario, row.Concurrency,
            Rate(direct?.RequestsPerSecond), Ms(direct?.P50), Ms(direct?.P99), Ms(direct?.P999),
            Rate(row.Edge.RequestsPerSecond), Ms(row.Edge.P50), Ms(row.Edge.P99), Ms(row.Edge.P999),
            Ms(row.AddedP50), Ms(row.AddedP99),
            Invariant($"{(direct?.Errors ?? 0) + row.Edge.Errors}"),
            row.Target, row.Met switch { true => "yes", false => "NO", null => "" },
        ];
    }

    private static string Line(IReadOnlyList<string> cells, int[] widths) =>
        string.Join(" | ", cells.Select((c, i) => i < 2 || i >= 13 ? c.PadRight(widths[i]) : c.PadLeft(widths[i])));

    private static string Rate(double? value) => value is { } v && !double.IsNaN(v) ? Invariant($"{v:N0}") : "-";

    private static string Ms(double? value) => value is { } v && !double.IsNaN(v) ? Invariant($"{v:F3}") : "-";

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
