using System.Globalization;
using Gateway.Bench.Edge.Load;
using Gateway.Bench.Edge.Report;
using Gateway.Bench.Edge.Soak;
using Gateway.Bench.Edge.Stack;

namespace Gateway.Bench.Edge;

/// <summary>Starts the stack, runs every scenario direct and through the Edge back to back, and prints the table.</summary>
internal static class EdgeBenchmark
{
    /// <summary>Longest wait for Analytics to finish ingesting the previous run's usage before the next run.</summary>
    private static readonly TimeSpan SettleWait = TimeSpan.FromSeconds(30);

    /// <summary>The issue's concurrency for the throughput target.</summary>
    private const int PacedConnections = 64;

    public static async Task<int> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var started = DateTime.UtcNow;
        var loadBefore = LoadAverage();
        await using var stack = await GatewayStack.StartAsync(options.Upstream == "h2c", options.EdgeDll, options.EdgeEnvironment, cancellationToken);
        // wrk's Lua scripts hold the benchmark tenant's gateway key: kept apart from the logs and deleted at the end.
        var scripts = Directory.CreateTempSubdirectory("gateway-bench-wrk-");
        try
        {
            return await RunScenariosAsync(options, stack, new WrkRunner(scripts.FullName), started, loadBefore, cancellationToken);
        }
        finally
        {
            scripts.Delete(recursive: true);
        }
    }

    private static async Task<int> RunScenariosAsync(BenchOptions options, GatewayStack stack, WrkRunner wrk, DateTime started,
        string loadBefore, CancellationToken cancellationToken)
    {
        var virtualKey = TenantBootstrap.VirtualKeySlug;
        await Preflight.CheckAsync(stack, cancellationToken);

        var table = new ResultTable(string.Create(CultureInfo.InvariantCulture,
            $"{started:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores shared by load generator (wrk, HTTP/1.1 keep-alive), fake upstream and the five services; {EdgeBuildInfo.Describe(options.EdgeDll)}; {options.Describe()}; load average before: {loadBefore}"));

        var idleRss = stack.Edge.ResidentBytes() / 1048576.0;

        // Freshly started services are still compiling their hot paths (tiered JIT) and finishing start-up work;
        // the first seconds of load are several times slower than steady state, so they are not measured.
        Console.WriteLine(Invariant($"warming up ({options.InitialWarmup.TotalSeconds:F0} s per path)"));
        foreach (var stream in options.ChatOnly ? (bool[])[false] : [false, true])
        {
            var body = LoadTarget.ChatBody(stream, "Warm up.");
            await wrk.RunAsync(LoadTarget.Direct(stack.UpstreamUrl, body), 16, options.InitialWarmup, cancellationToken);
            await wrk.RunAsync(LoadTarget.ThroughEdge(stack.EdgeUrl, stack.ApiKey, virtualKey, body, cache: false), 16,
                options.InitialWarmup, cancellationToken);
        }

        if (options.Hold)
        {
            await HoldAsync(stack, wrk, cancellationToken);
            return 0;
        }

        foreach (var (scenario, stream) in options.ChatOnly
            ? new[] { (Scenarios.NonStreaming, false) }
            : new[] { (Scenarios.NonStreaming, false), (Scenarios.Streaming, true) })
        {
            var body = LoadTarget.ChatBody(stream, "Say hello to the benchmark.");
            var direct = LoadTarget.Direct(stack.UpstreamUrl, body);
            var edge = LoadTarget.ThroughEdge(stack.EdgeUrl, stack.ApiKey, virtualKey, body, cache: false);
            await wrk.RunAsync(direct, 16, options.Warmup, cancellationToken);
            await wrk.RunAsync(edge, 16, options.Warmup, cancellationToken);
            foreach (var concurrency in options.Concurrency)
            {
                await Preflight.SettleUsageAsync(stack, SettleWait, cancellationToken);
                var directResult = await wrk.RunAsync(direct, concurrency, options.Duration, cancellationToken);
                await Preflight.SettleUsageAsync(stack, SettleWait, cancellationToken);
                var cpu = CpuSplit.Start(stack.CpuSources);
                var edgeResult = await wrk.RunAsync(edge, concurrency, options.Duration, cancellationToken);
                await Preflight.SettleUsageAsync(stack, SettleWait, cancellationToken);
                Progress(table, Targets.Latency(scenario, concurrency, directResult, edgeResult), cpu);
            }

            if (!stream && options.PacedRate > 0)
            {
                await Preflight.SettleUsageAsync(stack, SettleWait, cancellationToken);
                var directPaced = await wrk.RunAsync(direct, PacedConnections, options.Duration, cancellationToken, options.PacedRate);
                await Preflight.SettleUsageAsync(stack, SettleWait, cancellationToken);
                var cpu = CpuSplit.Start(stack.CpuSources);
                var edgePaced = await wrk.RunAsync(edge, PacedConnections, options.Duration, cancellationToken, options.PacedRate);
                await Preflight.SettleUsageAsync(stack, SettleWait, cancellationToken);
                Progress(table, Targets.Paced(options.PacedRate, directPaced, edgePaced), cpu);
            }
        }

        if (options.ChatOnly)
        {
            return await FinishAsync(options, stack, table, started, idleRss, cancellationToken);
        }

        var cached = LoadTarget.ThroughEdge(stack.EdgeUrl, stack.ApiKey, virtualKey,
            LoadTarget.ChatBody(stream: false, "Cache me for the benchmark."), cache: true);
        await Preflight.WarmCacheAsync(cached, cancellationToken);
        await wrk.RunAsync(cached, 16, options.Warmup, cancellationToken);
        foreach (var concurrency in options.Concurrency)
        {
            await Preflight.SettleUsageAsync(stack, SettleWait, cancellationToken);
            var cpu = CpuSplit.Start(stack.CpuSources);
            var result = await wrk.RunAsync(cached, concurrency, options.Duration, cancellationToken);
            await Preflight.SettleUsageAsync(stack, SettleWait, cancellationToken);
            Progress(table, Targets.CacheHit(concurrency, result), cpu);
        }

        await Preflight.SettleUsageAsync(stack, SettleWait, cancellationToken);
        var streamBody = LoadTarget.ChatBody(stream: true, "Say hello to the benchmark.");
        var (ttfbDirect, ttfbEdge) = await TtfbProbe.RunAsync(LoadTarget.Direct(stack.UpstreamUrl, streamBody),
            LoadTarget.ThroughEdge(stack.EdgeUrl, stack.ApiKey, virtualKey, streamBody, cache: false), options.TtfbRequests, cancellationToken);
        Progress(table, Targets.FirstByte(ttfbDirect, ttfbEdge));
        return await FinishAsync(options, stack, table, started, idleRss, cancellationToken);
    }

    private static async Task<int> FinishAsync(BenchOptions options, GatewayStack stack, ResultTable table, DateTime started,
        double idleRss, CancellationToken cancellationToken)
    {
        var virtualKey = TenantBootstrap.VirtualKeySlug;
        table.Note(Invariant($"Edge RSS: {idleRss:F1} MB idle after start (before any load), {stack.Edge.ResidentBytes() / 1048576.0:F1} MB after the load runs."));
        var recorded = await Preflight.SettleUsageAsync(stack, TimeSpan.FromSeconds(60), cancellationToken);
        table.Note(Invariant($"Usage publishing on (direct gRPC transport to Analytics' UsageIngest, no Dapr sidecar): Analytics recorded {recorded:N0} requests for the benchmark tenant by the end."));

        if (options.Soak)
        {
            Console.WriteLine(Invariant($"soak: {options.SoakDuration.TotalMinutes:F1} min at {options.SoakRate:F0} requests/s, non-streaming, through the Edge"));
            var beforeSoak = await Preflight.SettleUsageAsync(stack, TimeSpan.FromSeconds(60), cancellationToken);
            var body = LoadTarget.ChatBody(stream: false, "Soak the gateway.");
            var soak = await SoakRunner.RunAsync(LoadTarget.ThroughEdge(stack.EdgeUrl, stack.ApiKey, virtualKey, body, cache: false),
                stack.Edge, () => TenantBootstrap.RecordedRequestsAsync(stack.AnalyticsGrpc, stack.AdminToken, cancellationToken),
                options.SoakRate, options.SoakDuration, cancellationToken);
            table.Add(soak);
            var afterSoak = await Preflight.SettleUsageAsync(stack, TimeSpan.FromSeconds(120), cancellationToken);
            table.Note(Invariant($"Soak usage: Analytics recorded {afterSoak - beforeSoak:N0} of the {soak.Load.Requests + soak.Load.Errors:N0} soak requests once the load stopped (waited up to 120 s); Edge RSS then {stack.Edge.ResidentBytes() / 1048576.0:F1} MB."));
        }

        foreach (var line in await AnalyticsFigures.CollectAsync(options.WithAnalytics, cancellationToken))
        {
            table.Note(line);
        }

        table.Note("Load average after: " + LoadAverage() + ". Process logs: " + stack.LogDirectory);
        Console.WriteLine();
        Console.WriteLine(table.ToText());
        var results = Path.Combine(RepoPaths.Root, "bench", "edge", "results");
        Directory.CreateDirectory(results);
        var file = Path.Combine(results, started.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture) + ".md");
        await File.WriteAllTextAsync(file, table.ToMarkdown(), cancellationToken);
        Console.WriteLine("written to " + file);
        return 0;
    }

    /// <summary>Leaves the warm stack running until cancelled. The script holds the tenant's key, so it lives in the
    /// scripts directory (deleted at the end) and only its path is printed.</summary>
    private static async Task HoldAsync(GatewayStack stack, WrkRunner wrk, CancellationToken cancellationToken)
    {
        var body = LoadTarget.ChatBody(stream: false, "Say hello to the benchmark.");
        var edge = LoadTarget.ThroughEdge(stack.EdgeUrl, stack.ApiKey, TenantBootstrap.VirtualKeySlug, body, cache: false);
        var script = await wrk.WriteScriptAsync(edge, null, cancellationToken);
        // wrk runs one thread per core, each pacing its share.
        var paced = await wrk.WriteScriptAsync(edge, 10_000.0 / Environment.ProcessorCount, cancellationToken);
        Console.WriteLine($"holding: Edge {stack.EdgeUrl} (pid {stack.Edge.Id}), wrk script {script}, paced at 10,000/s {paced}; Ctrl-C or SIGTERM stops everything");
        await Task.Delay(Timeout.Infinite, cancellationToken);
    }

    private static void Progress(ResultTable table, ResultRow row, CpuSplit? cpu = null)
    {
        table.Add(row);
        Console.WriteLine($"  {row.Scenario}, c={row.Concurrency}: direct {Brief(row.Direct)}; Edge {Brief(row.Edge)}");
        if (cpu is not null)
        {
            // Counted until the run's usage was ingested (the caller settles first), so Analytics' share is in it.
            var split = cpu.PerRequest(row.Edge.Requests);
            table.Note($"CPU µs/request via the Edge, {row.Scenario}, c={row.Concurrency}: {split}.");
            Console.WriteLine("    CPU µs/request: " + split);
        }
    }

    private static string Brief(LoadResult? result) => result is null ? "-" : Invariant(
        $"{(double.IsNaN(result.RequestsPerSecond) ? "" : $"{result.RequestsPerSecond:F0} rps, ")}p50 {result.P50:F3} ms, p99 {result.P99:F3} ms, errors {result.Errors}");

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
