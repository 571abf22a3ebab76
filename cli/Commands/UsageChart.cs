using System.Text;

namespace Gateway.Cli.Commands;

/// <summary>A horizontal bar chart for the terminal: one line per bar, drawn with Unicode block elements in eighths
/// of a column, so small differences stay visible at 40 columns.</summary>
internal static class UsageChart
{
    /// <summary>Bar width when the output is not a terminal (files, pipes, tests): fixed, so the text is stable.</summary>
    public const int DefaultWidth = 40;

    private const char Full = '█';
    private static readonly char[] Partial = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

    /// <summary>Renders <paramref name="bars"/> (label, exact value, text shown after the bar) scaled so the largest
    /// value fills <paramref name="width"/> columns. A non-zero value always shows at least an eighth.</summary>
    public static string Render(string title, IReadOnlyList<(string Label, decimal Value, string Text)> bars, int width)
    {
        var text = new StringBuilder().AppendLine(title);
        if (bars.Count == 0)
        {
            return text.AppendLine("  (nothing in this range)").ToString();
        }

        var max = bars.Max(b => b.Value);
        var labelWidth = bars.Max(b => b.Label.Length);
        foreach (var (label, value, valueText) in bars)
        {
            var eighths = max <= 0 ? 0 : (int)Math.Round(value / max * width * 8, MidpointRounding.AwayFromZero);
            if (value > 0 && eighths == 0)
            {
                eighths = 1;
            }

            var bar = new string(Full, eighths / 8) + (eighths % 8 > 0 ? Partial[eighths % 8].ToString() : "");
            text.Append("  ").Append(label.PadRight(labelWidth)).Append("  ").Append(bar.PadRight(width)).Append("  ")
                .AppendLine(valueText);
        }

        return text.ToString();
    }

    /// <summary>The bar width for this terminal: what is left of its width after label and value, at most 60;
    /// <see cref="DefaultWidth"/> when the output is redirected or the width unknown.</summary>
    public static int WidthFor(int labelWidth, int valueWidth)
    {
        int columns;
        try
        {
            columns = Console.IsOutputRedirected ? 0 : Console.WindowWidth;
        }
        catch (IOException)
        {
            columns = 0;
        }

        return columns <= 0 ? DefaultWidth : Math.Clamp(columns - labelWidth - valueWidth - 8, 10, 60);
    }
}
