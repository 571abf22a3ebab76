using System.Diagnostics;
using System.Globalization;
using Gateway.Contracts.Analytics.V1;
using Gateway.Contracts.Usage.V1;
using Gateway.Testing;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;

namespace Gateway.Bench.Analytics;

/// <summary>Events per second through the real ingest path: UsageIngest.Ingest over gRPC, validation, the insert
/// that also queues the rollup work, commit ("accepted"); and until the background roller has moved every event
/// into the rollups ("rolled up", the sustained rate). Batches are built and serialised before the clock starts, and
/// the client's own cost is measured first against a no-op endpoint, so the CPU and allocation figures can be split
/// into the client's share and the service's.</summary>
internal static class IngestBenchmark
{
    private static readonly Marshaller<byte[]> Payload = Marshallers.Create(bytes => bytes, bytes => bytes);

    // UsageIngest.Ingest with the request already serialised: the client then only frames and sends bytes.
    private static readonly Method<byte[], IngestResponse> IngestMethod = new(MethodType.Unary,
        UsageIngest.Descriptor.FullName, "Ingest", Payload,
        Marshallers.Create(response => response.ToByteArray(), IngestResponse.Parser.ParseFrom));

    public static async Task<int> RunAsync(BenchOptions options)
    {
        var events = options.Int("events", 200_000);
        var batchSize = options.Int("batch", 500);
        var concurrency = options.Int("concurrency", 4);
        await using var host = await BenchHost.StartAsync(options.Text("database"));
        var headers = TestSecrets.Bearer(TestSecrets.InternalToken);

        // Built AND serialised before any clock: neither run below counts making or encoding the batches.
        var random = new Random(1);
        var batches = new List<(byte[] Payload, int Events)>();
        for (var made = 0; made < events; made += batchSize)
        {
            var size = Math.Min(batchSize, events - made);
            batches.Add((Batch(random, size).ToByteArray(), size));
        }

        // Warm-up batches (other event ids): enough calls for the JIT to finish tiering the hot paths up before any
        // clock starts (a freshly started process otherwise spends a sizeable share of the run compiling).
        var warmUpEvents = Math.Min(20_000, Math.Max(batchSize, events / 10));
        var warmUps = new List<(byte[] Payload, int Events)>();
        for (var made = 0; made < warmUpEvents; made += batchSize)
        {
            warmUps.Add((Batch(random, batchSize).ToByteArray(), batchSize));
        }

        var payloadBytes = batches.Sum(batch => (long)batch.Payload.Length);

        // 1. The client alone: the same payloads against an endpoint that only reads them.
        Sample sending;
        await using (var noOp = await NoOpIngestServer.StartAsync())
        {
            using var channel = GrpcChannel.ForAddress(noOp.Address);
            var invoker = channel.CreateCallInvoker();
            await SendAllAsync(invoker, warmUps, concurrency, headers);
            await Task.Delay(TimeSpan.FromSeconds(1)); // tier-1 compilation runs in the background

            var before = Sample.Take();
            await SendAllAsync(invoker, batches, concurrency, headers);
            sending = Sample.Take() - before;
        }

        // 2. The real service, in this process, through the same client code.
        var client = host.Channel.CreateCallInvoker();
        await using var database = NpgsqlDataSource.Create(host.ConnectionString);
        await SendAllAsync(client, warmUps, concurrency, headers); // connections, JIT, plans, and the roller's
        while (await PendingAsync(database))
        {
            await Task.Delay(20);
        }

        await Task.Delay(TimeSpan.FromSeconds(1));
        var postmaster = await PostmasterAsync(database);
        var serverCpuBefore = ServerCpu(postmaster);
        var start = Sample.Take();
        var accepted = await SendAllAsync(client, batches, concurrency, headers);
        var acceptedSeconds = (Sample.Take() - start).Elapsed.TotalSeconds;
        // Sustained: until the background roller has moved every accepted event into the rollups.
        while (await PendingAsync(database))
        {
            await Task.Delay(20);
        }

        var whole = Sample.Take() - start;
        var serverCpu = ServerCpu(postmaster) - serverCpuBefore;
        var rolledUpSeconds = whole.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ingest: {accepted} events in batches of {batchSize}, {concurrency} concurrent: accepted in {acceptedSeconds:F2} s, {accepted / acceptedSeconds:F0} accepted events/s; rolled up {rolledUpSeconds:F2} s after the start, {accepted / rolledUpSeconds:F0} rolled-up events/s (ingest start to pending empty)"));
        // CPU, not wall time, is what a loaded shared machine distorts least. This process runs the client and the
        // service; the client's share is what sending the same payloads to a no-op endpoint cost (that run's HTTP/2
        // receiving is also charged to the client, so the service figure is what the service adds to transport).
        var total = whole.Cpu.TotalMicroseconds / accepted;
        var sendingCpu = sending.Cpu.TotalMicroseconds / events;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"cpu per event from ingest start to pending empty: client sending + service {total:F0} µs = client sending (HTTP/2 both ends, no-op endpoint) {sendingCpu:F1} µs + service {total - sendingCpu:F1} µs; PostgreSQL {(serverCpu is { } server ? (server.TotalMicroseconds / accepted).ToString("F0", CultureInfo.InvariantCulture) + " µs" : "not measured (server not local)")}; batches built and serialised before the clock, not counted; {warmUpEvents} warm-up events before it"));
        var allocated = (double)whole.AllocatedBytes / accepted;
        var sendingAllocated = (double)sending.AllocatedBytes / events;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"allocated per event: {allocated:F0} bytes = client sending {sendingAllocated:F0} + service {allocated - sendingAllocated:F0}; service run: {whole.Gen0} gen0 / {whole.Gen1} gen1 / {whole.Gen2} gen2 collections, {whole.Pause.TotalMilliseconds:F0} ms paused; GC {(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, {(System.Runtime.GCSettings.LatencyMode == System.Runtime.GCLatencyMode.Batch ? "non-concurrent" : "concurrent")}"));
        using var self = Process.GetCurrentProcess();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"memory: RSS {self.WorkingSet64 / 1048576.0:F0} MB now, peak {self.PeakWorkingSet64 / 1048576.0:F0} MB, GC heap {GC.GetGCMemoryInfo().HeapSizeBytes / 1048576.0:F0} MB (one process: service + client + {payloadBytes / 1048576.0:F0} MB of serialised batches)"));
        return accepted == events ? 0 : 1;
    }

    private static async Task<long> SendAllAsync(CallInvoker invoker, List<(byte[] Payload, int Events)> batches,
        int concurrency, Metadata headers)
    {
        var next = -1;
        var accepted = 0L;
        var workers = Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < batches.Count)
            {
                var response = await SendAsync(invoker, batches[index].Payload, headers);
                Interlocked.Add(ref accepted, response.Accepted);
            }
        });
        await Task.WhenAll(workers);
        return accepted;
    }

    private static async Task<IngestResponse> SendAsync(CallInvoker invoker, byte[] payload, Metadata headers) =>
        await invoker.AsyncUnaryCall(IngestMethod, null, new CallOptions(headers), payload);

    /// <summary>This process's counters at one moment; subtract two for a run.</summary>
    private readonly record struct Sample(TimeSpan Elapsed, TimeSpan Cpu, long AllocatedBytes, int Gen0, int Gen1, int Gen2,
        TimeSpan Pause)
    {
        public static Sample Take() => new(Stopwatch.GetElapsedTime(0), Process.GetCurrentProcess().TotalProcessorTime,
            GC.GetTotalAllocatedBytes(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2),
            GC.GetTotalPauseDuration());

        public static Sample operator -(Sample after, Sample before) => new(after.Elapsed - before.Elapsed,
            after.Cpu - before.Cpu, after.AllocatedBytes - before.AllocatedBytes, after.Gen0 - before.Gen0,
            after.Gen1 - before.Gen1, after.Gen2 - before.Gen2, after.Pause - before.Pause);
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
                // Time-ordered, as the Edge makes them (UsageEventBuilder): the log's primary key grows at its right edge.
                EventId = Guid.CreateVersion7().ToString(),
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
