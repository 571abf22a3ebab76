using System.Globalization;

namespace Gateway.Bench.Edge;

/// <summary>Command line of the benchmark. Flags: <c>--quick</c>, <c>--soak</c>, <c>--with-analytics</c>; values:
/// <c>--duration 10s</c>, <c>--soak-duration 10m</c>, <c>--soak-rate 2000</c>, <c>--concurrency 1,16,64</c>,
/// <c>--ttfb-requests 1000</c>, <c>--paced-rate 10000</c> (0: no paced run), <c>--upstream h2c|http1</c>; for A/B and
/// profiling: <c>--chat-only</c>, <c>--hold</c>, <c>--edge-dll /tmp/base/Gateway.Edge.dll</c>, <c>--edge-env K=V,K2=V2</c>.</summary>
internal sealed record BenchOptions
{
    private static readonly string[] Flags = ["quick", "soak", "with-analytics", "chat-only", "hold"];

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Load before each scenario's measured runs, per target (direct and Edge).</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Load right after start-up, per path, before anything is measured.</summary>
    public TimeSpan InitialWarmup { get; init; } = TimeSpan.FromSeconds(15);

    public IReadOnlyList<int> Concurrency { get; init; } = [1, 16, 64];

    public int TtfbRequests { get; init; } = 1000;

    /// <summary>Requests/s offered over 64 connections in the paced non-streaming run (the c = 64 target).</summary>
    public double PacedRate { get; init; } = 10_000;

    public bool Soak { get; init; }

    public TimeSpan SoakDuration { get; init; } = TimeSpan.FromMinutes(10);

    public double SoakRate { get; init; } = 2000;

    public bool WithAnalytics { get; init; }

    /// <summary>How the Edge talks to the fake upstream: "h2c" (HTTP/2 with prior knowledge, the local stand-in for
    /// the HTTP/2 the Edge negotiates with https providers) or "http1".</summary>
    public string Upstream { get; init; } = "h2c";

    public bool Quick { get; init; }

    /// <summary>Only the non-streaming chat runs (closed loop and paced): a short A/B of Edge changes.</summary>
    public bool ChatOnly { get; init; }

    /// <summary>Start the stack, warm it up, write the non-streaming wrk script of the Edge, then wait for Ctrl-C: a
    /// stack to profile (perf, dotnet-trace) or to run more Edge builds against.</summary>
    public bool Hold { get; init; }

    /// <summary>Another Edge build to run instead of this checkout's (e.g. a copy of main's Release output, for A/B).</summary>
    public string? EdgeDll { get; init; }

    /// <summary>Extra environment for the Edge process (e.g. DOTNET_PerfMapEnabled=1 to profile it with perf).</summary>
    public IReadOnlyDictionary<string, string> EdgeEnvironment { get; init; } = new Dictionary<string, string>();

    public static BenchOptions Parse(string[] args)
    {
        var flags = new HashSet<string>(StringComparer.Ordinal);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i].TrimStart('-');
            if (Flags.Contains(name))
            {
                flags.Add(name);
            }
            else if (i + 1 < args.Length)
            {
                values[name] = args[++i];
            }
            else
            {
                throw new ArgumentException($"'{args[i]}' needs a value.");
            }
        }

        var quick = flags.Contains("quick");
        var options = new BenchOptions
        {
            Quick = quick,
            Duration = quick ? TimeSpan.FromSeconds(3) : TimeSpan.FromSeconds(10),
            Warmup = quick ? TimeSpan.FromSeconds(2) : TimeSpan.FromSeconds(5),
            InitialWarmup = quick ? TimeSpan.FromSeconds(6) : TimeSpan.FromSeconds(15),
            TtfbRequests = quick ? 200 : 1000,
            Soak = flags.Contains("soak"),
            WithAnalytics = flags.Contains("with-analytics"),
            ChatOnly = flags.Contains("chat-only"),
            Hold = flags.Contains("hold"),
        };
        return options with
        {
            Duration = values.TryGetValue("duration", out var duration) ? ParseDuration(duration) : options.Duration,
            SoakDuration = values.TryGetValue("soak-duration", out var soak) ? ParseDuration(soak) : options.SoakDuration,
            SoakRate = values.TryGetValue("soak-rate", out var rate) ? double.Parse(rate, CultureInfo.InvariantCulture) : options.SoakRate,
            Upstream = values.TryGetValue("upstream", out var upstream) && upstream is "h2c" or "http1"
                ? upstream
                : values.ContainsKey("upstream") ? throw new ArgumentException("--upstream is h2c or http1.") : options.Upstream,
            PacedRate = values.TryGetValue("paced-rate", out var paced) ? double.Parse(paced, CultureInfo.InvariantCulture) : options.PacedRate,
            TtfbRequests = values.TryGetValue("ttfb-requests", out var ttfb) ? int.Parse(ttfb, CultureInfo.InvariantCulture) : options.TtfbRequests,
            EdgeDll = values.TryGetValue("edge-dll", out var edgeDll) ? Path.GetFullPath(edgeDll) : null,
            EdgeEnvironment = values.TryGetValue("edge-env", out var edgeEnv)
                ? edgeEnv.Split(',').Select(pair => pair.Split('=', 2)).ToDictionary(pair => pair[0], pair => pair[1])
                : options.EdgeEnvironment,
            Concurrency = values.TryGetValue("concurrency", out var list)
                ? [.. list.Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture))]
                : options.Concurrency,
        };
    }

    /// <summary>"10s", "2m", "90" (seconds).</summary>
    public static TimeSpan ParseDuration(string text) => text[^1] switch
    {
        's' => TimeSpan.FromSeconds(double.Parse(text[..^1], CultureInfo.InvariantCulture)),
        'm' => TimeSpan.FromMinutes(double.Parse(text[..^1], CultureInfo.InvariantCulture)),
        _ => TimeSpan.FromSeconds(double.Parse(text, CultureInfo.InvariantCulture)),
    };

    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"duration {Duration.TotalSeconds:F0} s per run (warm-up {InitialWarmup.TotalSeconds:F0} s per path after start, {Warmup.TotalSeconds:F0} s per scenario), concurrency {string.Join('/', Concurrency)}, paced {PacedRate:F0}/s at c = 64, Edge to upstream over {(Upstream == "h2c" ? "HTTP/2 (h2c)" : "HTTP/1.1")}, TTFB {TtfbRequests} requests each way{(ChatOnly ? ", non-streaming chat only" : "")}{(EdgeEnvironment.Count > 0 ? ", Edge environment " + string.Join(' ', EdgeEnvironment.Select(e => e.Key + "=" + e.Value)) : "")}");
}
