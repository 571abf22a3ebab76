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
/// into the rollups ("rolled up", the sustained rate). Batches are built before the clock starts.</summary>
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
        await using var database = NpgsqlDataSource.Create(host.ConnectionString);
        while (await PendingAsync(database))
        {
            await Task.Delay(20);
        }

        var rolledUpSeconds = clock.Elapsed.TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ingest: {accepted} events in batches of {batchSize}, {concurrency} concurrent: accepted in {acceptedSeconds:F2} s, {accepted / acceptedSeconds:F0} accepted events/s; rolled up {rolledUpSeconds:F2} s after the start, {accepted / rolledUpSeconds:F0} rolled-up events/s (ingest start to pending empty)"));
        return accepted == events ? 0 : 1;
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
