using System.Globalization;
using Gateway.Bench.Edge.Stack;

namespace Gateway.Bench.Edge.Load;

/// <summary>CPU each of our processes spent per request during one run: shows where the Edge's cost goes on a machine
/// where the services, the upstream and the load generator share the cores.</summary>
internal sealed class CpuSplit
{
    private readonly IReadOnlyList<ChildProcess> _processes;
    private readonly TimeSpan[] _before;

    private CpuSplit(IReadOnlyList<ChildProcess> processes)
    {
        _processes = processes;
        _before = [.. processes.Select(p => p.CpuTime())];
    }

    public static CpuSplit Start(IReadOnlyList<ChildProcess> processes) => new(processes);

    /// <summary>"Edge 250, upstream 20, ..." in microseconds of CPU per request.</summary>
    public string PerRequest(long requests)
    {
        if (requests <= 0)
        {
            return "no requests";
        }

        return string.Join(", ", _processes.Select((p, i) => string.Create(CultureInfo.InvariantCulture,
            $"{p.Name} {(p.CpuTime() - _before[i]).TotalMicroseconds / requests:F0}")));
    }
}
