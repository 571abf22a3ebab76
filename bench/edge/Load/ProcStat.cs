using System.Globalization;

namespace Gateway.Bench.Edge.Load;

/// <summary>CPU time from /proc, in the kernel's clock ticks (USER_HZ, 100 per second on Linux).</summary>
internal static class ProcStat
{
    private const double TickMilliseconds = 10;

    /// <summary>A process's own user + system time; with <paramref name="reapedChildren"/>, also that of its children
    /// which have exited and been waited for (how a finished wrk, or a PostgreSQL backend whose connection closed,
    /// stays counted). Zero once the process is gone.</summary>
    public static TimeSpan Cpu(int processId, bool reapedChildren = false)
    {
        var fields = Fields(processId);
        if (fields is null)
        {
            return TimeSpan.Zero;
        }

        // utime [11], stime [12], cutime [13], cstime [14]
        var ticks = Long(fields[11]) + Long(fields[12]) + (reapedChildren ? Long(fields[13]) + Long(fields[14]) : 0);
        return TimeSpan.FromMilliseconds(ticks * TickMilliseconds);
    }

    /// <summary>What a process's exited and waited-for children used: for this benchmark, the wrk runs it started.</summary>
    public static TimeSpan ReapedChildrenCpu(int processId) => Cpu(processId, reapedChildren: true) - Cpu(processId);

    /// <summary>A process and all its living descendants, plus what its exited children left in its child counters:
    /// PostgreSQL's postmaster with every backend and worker.</summary>
    public static TimeSpan TreeCpu(int rootProcessId)
    {
        var parents = new Dictionary<int, int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                && Fields(id) is { } fields)
            {
                parents[id] = int.Parse(fields[1], CultureInfo.InvariantCulture);
            }
        }

        var total = Cpu(rootProcessId, reapedChildren: true);
        foreach (var (id, _) in parents)
        {
            if (id != rootProcessId && DescendsFrom(id, rootProcessId, parents))
            {
                total += Cpu(id, reapedChildren: true);
            }
        }

        return total;
    }

    /// <summary>Busy time of the whole machine (every core, every process, the kernel): the first line of /proc/stat
    /// without idle and iowait.</summary>
    public static TimeSpan MachineBusy()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // cpu user nice system idle iowait irq softirq steal ...
        var busy = Long(fields[1]) + Long(fields[2]) + Long(fields[3]) + Long(fields[6]) + Long(fields[7]) + Long(fields[8]);
        return TimeSpan.FromMilliseconds(busy * TickMilliseconds);
    }

    private static bool DescendsFrom(int id, int ancestor, Dictionary<int, int> parents)
    {
        for (var depth = 0; depth < 8 && parents.TryGetValue(id, out var parent); depth++)
        {
            if (parent == ancestor)
            {
                return true;
            }

            id = parent;
        }

        return false;
    }

    /// <summary>The fields after the command name (which is in parentheses and may contain spaces): state is [0],
    /// the parent id [1]. Null when the process has exited.</summary>
    private static string[]? Fields(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or IOException)
        {
            return null;
        }
    }

    private static long Long(string text) => long.Parse(text, CultureInfo.InvariantCulture);
}
