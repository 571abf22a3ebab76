using System.Globalization;

namespace Gateway.Bench.Edge.Load;

/// <summary>A process (or process tree) whose CPU time the benchmark attributes to requests.</summary>
internal sealed record CpuSource(string Name, Func<TimeSpan> Cpu);

/// <summary>CPU each process spent per request during one run, and their sum beside the whole machine's busy time:
/// shows where the cost of a request goes on a machine where the services, PostgreSQL, Redis, the upstream and the
/// load generator share the cores (the machine figure also holds whatever else ran meanwhile).</summary>
internal sealed class CpuSplit
{
    private readonly IReadOnlyList<CpuSource> _sources;
    private readonly TimeSpan[] _before;
    private readonly TimeSpan _machineBefore;

    private CpuSplit(IReadOnlyList<CpuSource> sources)
    {
        _sources = sources;
        _before = [.. sources.Select(s => s.Cpu())];
        _machineBefore = ProcStat.MachineBusy();
    }

    public static CpuSplit Start(IReadOnlyList<CpuSource> sources) => new(sources);

    /// <summary>"upstream 36, ..., Edge 109, PostgreSQL 40, Redis 1, wrk 9; sum 210; machine 230" in microseconds of
    /// CPU per request.</summary>
    public string PerRequest(long requests)
    {
        if (requests <= 0)
        {
            return "no requests";
        }

        var used = _sources.Select((s, i) => s.Cpu() - _before[i]).ToArray();
        var machine = ProcStat.MachineBusy() - _machineBefore;
        var parts = _sources.Select((s, i) => Invariant($"{s.Name} {PerRequest(used[i], requests):F0}"));
        var sum = used.Aggregate(TimeSpan.Zero, (a, b) => a + b);
        return string.Join(", ", parts) + Invariant($"; sum {PerRequest(sum, requests):F0}; machine {PerRequest(machine, requests):F0}");
    }

    private static double PerRequest(TimeSpan cpu, long requests) => cpu.TotalMicroseconds / requests;

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
