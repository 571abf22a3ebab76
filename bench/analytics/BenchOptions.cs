using System.Globalization;

namespace Gateway.Bench.Analytics;

/// <summary>Command line: a mode and "--name value" pairs.</summary>
internal sealed record BenchOptions(string Mode, IReadOnlyDictionary<string, string> Values)
{
    public static BenchOptions Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            values[args[i].TrimStart('-')] = args[i + 1];
        }

        return new BenchOptions(args.Length > 0 ? args[0] : "", values);
    }

    public string? Text(string name) => Values.GetValueOrDefault(name);

    public int Int(string name, int defaultValue) =>
        Values.TryGetValue(name, out var text) ? int.Parse(text, CultureInfo.InvariantCulture) : defaultValue;
}
