using System.Diagnostics;
using Gateway.Bench.Edge.Stack;

namespace Gateway.Bench.Edge;

/// <summary>Analytics ingest rate and query latency for the same table: runs <c>bench/analytics</c> at a small size
/// (<c>--with-analytics</c>), or points at where its figures are recorded.</summary>
internal static class AnalyticsFigures
{
    // Figures are not copied here: a constant would go stale with the next measurement.
    private const string Recorded = "Analytics (not run; pass --with-analytics): the recorded ingest and query figures, with their "
        + "dates and commands, are in bench/analytics/README.md.";

    public static async Task<IReadOnlyList<string>> CollectAsync(bool run, CancellationToken cancellationToken)
    {
        if (!run)
        {
            return [Recorded];
        }

        var lines = new List<string>();
        foreach (var arguments in (string[][])[
                     ["ingest", "--events", "20000", "--batch", "500", "--concurrency", "4"],
                     ["query", "--rows", "100000", "--tenants", "10", "--users", "200", "--models", "10", "--runs", "5"]])
        {
            Console.WriteLine($"running bench/analytics {string.Join(' ', arguments)}");
            foreach (var line in await RunAsync(arguments, cancellationToken))
            {
                lines.Add($"Analytics (bench/analytics {arguments[0]}, run now): {line}");
            }
        }

        return lines;
    }

    private static async Task<IEnumerable<string>> RunAsync(string[] arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(RepoPaths.AnalyticsBenchDll)!,
        };
        info.ArgumentList.Add(RepoPaths.AnalyticsBenchDll);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("Could not start bench/analytics.");
        using var registration = cancellationToken.Register(() => process.Kill(entireProcessTree: true));
        var output = process.StandardOutput.ReadToEndAsync(CancellationToken.None);
        var errors = process.StandardError.ReadToEndAsync(CancellationToken.None);
        await process.WaitForExitAsync(CancellationToken.None);
        cancellationToken.ThrowIfCancellationRequested();
        var lines = (await output).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return process.ExitCode == 0 ? lines : [.. lines, $"FAILED (exit {process.ExitCode}): {(await errors).Trim()}"];
    }
}
