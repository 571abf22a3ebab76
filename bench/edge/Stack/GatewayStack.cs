using System.Globalization;
using System.Security.Cryptography;
using Gateway.Bench.Edge.Load;
using Gateway.Testing;

namespace Gateway.Bench.Edge.Stack;

/// <summary>Everything the benchmark runs against: PostgreSQL and Redis (the test fixtures' servers on free ports),
/// the fake upstream in its own process, and the five services as separate processes of their built dlls, configured
/// as <c>run.sh</c> configures them (Production, logging at Warning). Usage publishing uses the direct gRPC transport
/// to Analytics (no Dapr sidecar here).</summary>
internal sealed class GatewayStack : IAsyncDisposable
{
    private readonly List<ChildProcess> _processes = [];
    private PostgresServer? _postgres;
    private RedisServer? _redis;

    private GatewayStack(string logDirectory)
    {
        LogDirectory = logDirectory;
    }

    public string LogDirectory { get; }

    public string AdminToken { get; } = RandomToken();

    public string UpstreamUrl { get; private set; } = "";

    public string UpstreamH2cUrl { get; private set; } = "";

    public string EdgeUrl { get; private set; } = "";

    public string AnalyticsGrpc { get; private set; } = "";

    public string ApiKey { get; private set; } = "";

    public ChildProcess Edge { get; private set; } = null!; // set by StartAsync

    /// <summary>The fake upstream and the five services (not PostgreSQL and Redis, which are process trees of their own).</summary>
    public IReadOnlyList<ChildProcess> Processes => _processes;

    /// <summary>Everything a request through the Edge costs CPU in: the fake upstream and the five services, PostgreSQL
    /// (the postmaster's whole tree: Analytics' usage inserts and rollups, the key and config reads) and Redis, and
    /// the load generator (the wrk runs this process started and has reaped).</summary>
    public IReadOnlyList<CpuSource> CpuSources =>
    [
        .. _processes.Select(p => new CpuSource(p.Name, p.CpuTime)),
        new("PostgreSQL", () => ProcStat.TreeCpu(_postgres!.PostmasterProcessId)),
        new("Redis", () => ProcStat.Cpu(_redis!.ProcessId)),
        new("wrk", () => ProcStat.ReapedChildrenCpu(Environment.ProcessId)),
    ];

    public static async Task<GatewayStack> StartAsync(bool h2cUpstream, string? edgeDll, IReadOnlyDictionary<string, string> edgeEnvironment,
        CancellationToken cancellationToken)
    {
        var logDirectory = Path.Combine(Path.GetTempPath(), "gateway-bench-edge-" + DateTime.UtcNow.ToString("yyyyMMdd-HHmmss", CultureInfo.InvariantCulture));
        Directory.CreateDirectory(logDirectory);
        var stack = new GatewayStack(logDirectory);
        try
        {
            await stack.StartAllAsync(h2cUpstream, edgeDll, edgeEnvironment, cancellationToken);
            return stack;
        }
        catch
        {
            await stack.DisposeAsync();
            throw;
        }
    }

    private async Task StartAllAsync(bool h2cUpstream, string? edgeDll, IReadOnlyDictionary<string, string> edgeEnvironment,
        CancellationToken cancellationToken)
    {
        foreach (var name in (string[])["Edge", "KeyVault", "Config", "Cache", "Analytics"])
        {
            if (!File.Exists(RepoPaths.ServiceDll(name)))
            {
                throw new InvalidOperationException($"{RepoPaths.ServiceDll(name)} is missing; build with dotnet run -c Release --project bench/edge.");
            }
        }

        Console.WriteLine($"starting PostgreSQL, Redis, the fake upstream and the five services (logs in {LogDirectory})");
        _postgres = await PostgresServer.StartAsync();
        _redis = await RedisServer.StartAsync();
        var databases = new Dictionary<string, string>();
        foreach (var database in (string[])["keyvaultdb", "configdb", "analyticsdb"])
        {
            databases[database] = await _postgres.CreateDatabaseAsync(database);
        }

        var http1 = FreePort.Next();
        var h2c = FreePort.Next();
        var self = typeof(GatewayStack).Assembly.Location;
        var upstream = Start("upstream", "dotnet", [self, "upstream", "--http1-port", Port(http1), "--h2c-port", Port(h2c)],
            new Dictionary<string, string> { ["DOTNET_gcServer"] = "0" }, AppContext.BaseDirectory);
        UpstreamUrl = $"http://127.0.0.1:{Port(http1)}";
        UpstreamH2cUrl = $"http://127.0.0.1:{Port(h2c)}";

        var ports = new Dictionary<string, (int Http, int Grpc)>();
        foreach (var name in (string[])["KeyVault", "Config", "Cache", "Analytics", "Edge"])
        {
            ports[name] = (FreePort.Next(), name == "Edge" ? 0 : FreePort.Next());
        }

        var shared = new Dictionary<string, string>
        {
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Logging__LogLevel__Default"] = "Warning",
            ["ConnectionStrings__redis"] = _redis.ConnectionString,
            ["ConnectionStrings__keyvaultdb"] = databases["keyvaultdb"],
            ["ConnectionStrings__configdb"] = databases["configdb"],
            ["ConnectionStrings__analyticsdb"] = databases["analyticsdb"],
            ["Security__AdminToken"] = AdminToken,
            ["Security__InternalToken"] = RandomToken(),
            ["KeyVault__MasterKey"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Usage__Transport"] = "Direct",
        };
        foreach (var name in (string[])["KeyVault", "Config", "Cache", "Analytics"])
        {
            shared[$"services__{name.ToLowerInvariant()}__grpc__0"] = $"http://127.0.0.1:{Port(ports[name].Grpc)}";
        }

        foreach (var (name, (http, grpc)) in ports)
        {
            var environment = new Dictionary<string, string>(shared)
            {
                ["Kestrel__Endpoints__http__Url"] = $"http://127.0.0.1:{Port(http)}",
            };
            if (grpc != 0)
            {
                environment["Kestrel__Endpoints__grpc__Url"] = $"http://127.0.0.1:{Port(grpc)}";
                environment["Kestrel__Endpoints__grpc__Protocols"] = "Http2";
            }

            if (name == "Edge" && h2cUpstream)
            {
                // A plain-http upstream gets HTTP/1.1 unless listed here; https providers negotiate HTTP/2 anyway.
                environment["Providers__Http__Http2PriorKnowledgeHosts__0"] = $"127.0.0.1:{Port(h2c)}";
            }

            if (name == "Edge")
            {
                foreach (var (key, value) in edgeEnvironment)
                {
                    environment[key] = value;
                }
            }

            var dll = name == "Edge" && edgeDll is not null ? edgeDll : RepoPaths.ServiceDll(name);
            var process = Start(name, "dotnet", [dll], environment, Path.GetDirectoryName(dll)!);
            if (name == "Edge")
            {
                Edge = process;
            }
        }

        EdgeUrl = $"http://127.0.0.1:{Port(ports["Edge"].Http)}";
        AnalyticsGrpc = $"http://127.0.0.1:{Port(ports["Analytics"].Grpc)}";
        await WaitHealthyAsync(upstream, UpstreamUrl, cancellationToken);
        foreach (var process in _processes.Where(p => p != upstream))
        {
            await WaitHealthyAsync(process, $"http://127.0.0.1:{Port(ports[process.Name].Http)}", cancellationToken);
        }

        ApiKey = await TenantBootstrap.CreateAsync($"http://127.0.0.1:{Port(ports["KeyVault"].Grpc)}",
            $"http://127.0.0.1:{Port(ports["Config"].Grpc)}", AdminToken, (h2cUpstream ? UpstreamH2cUrl : UpstreamUrl) + "/v1", cancellationToken);
        Console.WriteLine($"stack ready: Edge {EdgeUrl} (pid {Edge.Id}), upstream {UpstreamUrl} (h2c {UpstreamH2cUrl})");
    }

    private ChildProcess Start(string name, string fileName, IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment,
        string workingDirectory)
    {
        var process = ChildProcess.Start(name, fileName, arguments, environment, workingDirectory, LogDirectory);
        _processes.Add(process);
        return process;
    }

    private static async Task WaitHealthyAsync(ChildProcess process, string baseUrl, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        // Generous: five services start at once on a shared 2-core machine.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{process.Name} exited during start; see {process.LogPath}");
            }

            try
            {
                using var response = await client.GetAsync(baseUrl + "/health", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // Slow to answer while starting.
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{process.Name} is not healthy after 120 s; see {process.LogPath}");
            }

            await Task.Delay(250, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Edge first, so its last usage events still reach Analytics; then the rest, then the stores. Each step runs
        // even if an earlier one failed (on Ctrl-C the terminal has already signalled some of them).
        foreach (var process in _processes.OrderBy(p => p.Name == "Edge" ? 0 : 1))
        {
            await StopQuietlyAsync(process.Name, process.DisposeAsync);
        }

        _processes.Clear();
        if (_redis is { } redis)
        {
            await StopQuietlyAsync("Redis", redis.DisposeAsync);
        }

        if (_postgres is { } postgres)
        {
            await StopQuietlyAsync("PostgreSQL", postgres.DisposeAsync);
        }
    }

    private static async Task StopQuietlyAsync(string name, Func<ValueTask> stop)
    {
        try
        {
            await stop();
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
        {
            Console.Error.WriteLine($"stopping {name}: {ex.Message}");
        }
    }

    private static string Port(int port) => port.ToString(CultureInfo.InvariantCulture);

    private static string RandomToken() => Convert.ToHexString(RandomNumberGenerator.GetBytes(20));
}
