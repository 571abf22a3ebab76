using System.Diagnostics;
using System.Globalization;
using Gateway.Contracts.Analytics.V1;
using Gateway.Contracts.Usage.V1;
using Gateway.Testing;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace Gateway.Bench.Analytics;

/// <summary>Events per second through the real ingest path: UsageIngest.Ingest over gRPC, validation, the insert
/// that also queues the rollup work, commit ("accepted"); and until the background roller has moved every event
/// into the rollups ("rolled up", the sustained rate). Batches are built before the clock starts, so neither the
/// rates nor the CPU figures include making them.</summary>
internal static class IngestBenchmark
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var events = options.Int("events", 200_000);
        var batchSize = options.Int("batch", 500);
        var concurrency = options.Int("concurrency", 4);
        await using var host = await BenchHost.StartAsync(options.Text("database"));
        var client = new UsageIngest.UsageIngestClient(host.Channel);
        var headers = TestSecrets.Bearer(TestSecrets.InternalToken);

        var random = new Random(1);
        var batches = new Queue<UsageBatch>();
        for (var made = 0; made < events; made += batchSize)
        {
            batches.Enqueue(Batch(random, Math.Min(batchSize, events - made)));
        }

        await client.IngestAsync(Batch(random, batchSize), headers); // warm-up: connections, JIT, plans

        await using var database = NpgsqlDataSource.Create(host.ConnectionString);
        var postmaster = await PostmasterAsync(database);
        var serverCpuBefore = ServerCpu(postmaster);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        var accepted = 0L;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            while (true)
            {
                UsageBatch? batch;
                lock (batches)
                {
                    if (!batches.TryDequeue(out batch))
                    {
                        return;
                    }
                }

                var response = await client.IngestAsync(batch, headers);
                Interlocked.Add(ref accepted, response.Accepted);
            }
        });
        await Task.WhenAll(workers);
        var acceptedSeconds = clock.Elapsed.TotalSeconds;
        // Sustained: until the background roller has moved every accepted event into the rollups.
        while (await PendingAsync(database))
        {
            await Task.Delay(20);
        }

        var rolledUpSeconds = clock.Elapsed.TotalSeconds;
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var serverCpu = ServerCpu(postmaster) - serverCpuBefore;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ingest: {accepted} events in batches of {batchSize}, {concurrency} concurrent: accepted in {acceptedSeconds:F2} s, {accepted / acceptedSeconds:F0} accepted events/s; rolled up {rolledUpSeconds:F2} s after the start, {accepted / rolledUpSeconds:F0} rolled-up events/s (ingest start to pending empty)"));
        // CPU, not wall time, is what a loaded shared machine distorts least. The batches were built before the clock
        // started, so this process's figure is the gRPC client's sending plus the whole service.
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cpu per event from ingest start to pending empty: client sending + service {cpu.TotalMicroseconds / accepted:F0} µs, PostgreSQL {(serverCpu is { } server ? (server.TotalMicroseconds / accepted).ToString("F0", CultureInfo.InvariantCulture) + " µs" : "not measured (server not local)")}; batches built before the clock, not counted"));
        return accepted == events ? 0 : 1;
    }

    /// <summary>The server's postmaster process id, when the server runs on this machine and we are a superuser.</summary>
    private static async Task<int?> PostmasterAsync(NpgsqlDataSource database)
    {
        try
        {
            await using var command = database.CreateCommand("SELECT split_part(pg_read_file('postmaster.pid'), E'\\n', 1)::int");
            var pid = (int)(await command.ExecuteScalarAsync())!;
            return File.Exists($"/proc/{pid}/stat") ? pid : null;
        }
        catch (PostgresException)
        {
            return null;
        }
    }

    /// <summary>CPU of the server's processes: the postmaster with the backends it has reaped, plus those alive.</summary>
    private static TimeSpan? ServerCpu(int? postmaster)
    {
        if (postmaster is not { } pid)
        {
            return null;
        }

        var ticks = StatTicks(pid, includeReaped: true);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            var name = Path.GetFileName(directory);
            if (name.All(char.IsAsciiDigit) && ParentOf(name) == pid)
            {
                ticks += StatTicks(int.Parse(name, CultureInfo.InvariantCulture), includeReaped: false);
            }
        }

        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ
    }

    private static string[]? StatFields(string pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            // Fields after "(comm)", from field 3 (state) on.
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null; // exited meanwhile
        }
    }

    private static int? ParentOf(string pid) =>
        StatFields(pid) is { } fields ? int.Parse(fields[1], CultureInfo.InvariantCulture) : null;

    private static long StatTicks(int pid, bool includeReaped)
    {
        if (StatFields(pid.ToString(CultureInfo.InvariantCulture)) is not { } fields)
        {
            return 0;
        }

        // utime, stime, cutime, cstime are fields 14-17, at 11-14 here.
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return includeReaped
            ? ticks + long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture)
            : ticks;
    }

    private static async Task<bool> PendingAsync(NpgsqlDataSource database)
    {
        await using var command = database.CreateCommand("SELECT EXISTS (SELECT 1 FROM usage_rollup_pending)");
        return (bool)(await command.ExecuteScalarAsync())!;
    }

    private static UsageBatch Batch(Random random, int size)
    {
        var batch = new UsageBatch();
        var now = DateTime.UtcNow;
        for (var i = 0; i < size; i++)
        {
            var model = "model-" + random.Next(10).ToString(CultureInfo.InvariantCulture);
            batch.Events.Add(new UsageEvent
            {
                EventId = Guid.NewGuid().ToString(),
                TenantId = "tenant-" + random.Next(100).ToString(CultureInfo.InvariantCulture),
                ApiKeyId = "key-" + random.Next(5).ToString(CultureInfo.InvariantCulture),
                User = "user-" + random.Next(200).ToString(CultureInfo.InvariantCulture),
                Metadata = { ["team"] = "team-" + random.Next(8).ToString(CultureInfo.InvariantCulture) },
                Provider = "openai",
                Model = model,
                Endpoint = "/v1/chat/completions",
                StatusCode = random.Next(50) == 0 ? 502 : 200,
                CacheStatus = random.Next(5) == 0 ? "HIT" : "MISS",
                InputTokens = random.Next(2000),
                OutputTokens = random.Next(500),
                CostUsd = (random.Next(1_000_000) / 1e9m).ToString(CultureInfo.InvariantCulture),
                SavedCostUsd = "0",
                PriceVersion = "bench",
                Priced = true,
                StartedAt = Timestamp.FromDateTime(now.AddSeconds(-random.Next(3600))),
                LatencyUs = random.Next(50_000, 5_000_000),
                TimeToFirstByteUs = random.Next(10_000, 500_000),
                TraceId = Guid.NewGuid().ToString("N"),
                Attempts = { new Attempt { Provider = "openai", Model = model, Target = "primary", StatusCode = 200, LatencyUs = 1000 } },
            });
        }

        return batch;
    }
}
