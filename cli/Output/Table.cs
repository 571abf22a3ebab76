using System.Text;

namespace Gateway.Cli.Output;

/// <summary>A plain text table: columns padded to their widest cell, numbers right-aligned.</summary>
internal sealed class Table(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public void Add(params string[] cells) => _rows.Add(cells);

    public override string ToString()
    {
        var widths = headers.Select(h => h.Length).ToArray();
        foreach (var row in _rows)
        {
            for (var i = 0; i < widths.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }

        var text = new StringBuilder();
        AppendRow(text, headers, widths);
        text.AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in _rows)
        {
            AppendRow(text, row, widths);
        }

        return text.ToString();
    }

    private static void AppendRow(StringBuilder text, string[] cells, int[] widths)
    {
        for (var i = 0; i < widths.Length; i++)
        {
            var cell = cells[i];
            var numeric = cell.Length > 0 && (char.IsDigit(cell[0]) || cell[0] == '$');
            text.Append(numeric ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]));
            text.Append(i < widths.Length - 1 ? "  " : Environment.NewLine);
        }
    }
}
