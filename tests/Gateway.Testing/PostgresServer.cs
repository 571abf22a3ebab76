using Npgsql;

namespace Gateway.Testing;

/// <summary>A real PostgreSQL server, initialised into a temporary directory and started on a free port
/// (fsync off: test data is disposable). As root it runs as the 'postgres' user, because PostgreSQL refuses root.</summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _dataDirectory;
    private readonly string _pgCtl;
    private readonly string? _runAs;
    private readonly string _serverOptions;

    private PostgresServer(string dataDirectory, string pgCtl, string? runAs, int port)
    {
        _dataDirectory = dataDirectory;
        _pgCtl = pgCtl;
        _runAs = runAs;
        Port = port;
        _serverOptions = $"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={dataDirectory} " +
                         "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300";
    }

    public int Port { get; }

    /// <summary>The postmaster's process id (first line of postmaster.pid): benchmarks count the CPU of its process
    /// tree.</summary>
    public int PostmasterProcessId =>
        int.Parse(File.ReadLines(Path.Combine(_dataDirectory, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);

    public string AdminConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=false";

    public static async Task<PostgresServer> StartAsync()
    {
        var binDirectory = FindBinDirectory();
        var runAs = ProcessRunner.IsRoot ? "postgres" : null;
        var dataDirectory = Path.Combine(Path.GetTempPath(), "gateway-pg-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dataDirectory);
        if (runAs is not null)
        {
            await ProcessRunner.RunAsync("chown", [runAs, dataDirectory]);
        }

        await ProcessRunner.RunAsync(Path.Combine(binDirectory, "initdb"),
            ["-D", dataDirectory, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"], runAs);

        var server = new PostgresServer(dataDirectory, Path.Combine(binDirectory, "pg_ctl"), runAs, FreePort.Next());
        await server.StartProcessAsync();
        return server;
    }

    /// <summary>Creates an empty database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await command.ExecuteNonQueryAsync();
        return $"Host=127.0.0.1;Port={Port};Username=postgres;Database={name}";
    }

    /// <summary>Stops the server (keeping its data), e.g. to test an outage; <see cref="RestartAsync"/> brings it back.</summary>
    public Task StopAsync() => ProcessRunner.RunAsync(_pgCtl, ["-D", _dataDirectory, "-m", "fast", "-w", "stop"], _runAs);

    public async Task RestartAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await StartProcessAsync();
    }

    private Task StartProcessAsync() => ProcessRunner.RunAsync(_pgCtl,
        ["-D", _dataDirectory, "-o", _serverOptions, "-l", Path.Combine(_dataDirectory, "server.log"), "-w", "start"], _runAs);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await ProcessRunner.RunAsync(_pgCtl, ["-D", _dataDirectory, "-m", "immediate", "-w", "stop"], _runAs);
        }
        finally
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private static string FindBinDirectory()
    {
        var configured = Environment.GetEnvironmentVariable("PG_BIN");
        if (!string.IsNullOrEmpty(configured))
        {
            return configured;
        }

        // Debian keeps the server binaries out of PATH, under /usr/lib/postgresql/<version>/bin.
        var debian = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql").Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb"))).Order(StringComparer.Ordinal).LastOrDefault()
            : null;
        return debian ?? Path.GetDirectoryName(ProcessRunner.Find("initdb"))!;
    }
}
