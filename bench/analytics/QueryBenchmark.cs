using System.Diagnostics;
using System.Globalization;
using Gateway.Contracts.Analytics.V1;
using Gateway.Testing;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using AnalyticsClient = Gateway.Contracts.Analytics.V1.Analytics.AnalyticsClient;

namespace Gateway.Bench.Analytics;

/// <summary>Loads a request log spread over the last 30 days (straight into PostgreSQL, with the rollups built the
/// way migrations 0002 and 0003 backfill them), then times 30-day daily rollups for one tenant over gRPC, grouped by
/// model and by user. Each grouping first runs --warmup untimed calls (default 20): the first dozens of calls of a fresh
/// process run in the JIT's first tier and are several times slower than what a long-running service answers in.
/// Reports the median and the worst of the timed runs.</summary>
internal static class QueryBenchmark
{
    public static async Task<int> RunAsync(BenchOptions options)
    {
        var rows = options.Int("rows", 1_000_000);
        var tenants = options.Int("tenants", 10);
        var users = options.Int("users", 200);
        var models = options.Int("models", 10);
        var runs = options.Int("runs", 20);
        var warmup = options.Int("warmup", 20);
        await using var host = await BenchHost.StartAsync(options.Text("database"));

        var load = Stopwatch.StartNew();
        if (options.Int("load", 1) != 0)
        {
            await LoadAsync(host.ConnectionString, rows, tenants, users, models);
        }

        var loadSeconds = load.Elapsed.TotalSeconds;
        var rollupRows = await RollupRowsAsync(host.ConnectionString);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"loaded {rows} requests ({tenants} tenants, {users} users and {models} models each, 30 days) in {loadSeconds:F1} s; {rollupRows} hourly rollup rows"));

        var client = new AnalyticsClient(host.Channel);
        foreach (var (name, groupBy) in new[] { ("model", GroupBy.Model), ("user", GroupBy.User) })
        {
            var timings = new List<double>();
            var cpu = TimeSpan.Zero;
            for (var run = -warmup; run < runs; run++)
            {
                var end = DateTime.UtcNow.Date.AddDays(1);
                var request = new GetCostRollupRequest
                {
                    TenantId = "tenant-" + ((run + warmup) % tenants).ToString(CultureInfo.InvariantCulture),
                    StartTime = Timestamp.FromDateTime(end.AddDays(-30)),
                    EndTime = Timestamp.FromDateTime(end),
                    Granularity = Granularity.Day,
                    GroupBy = { groupBy },
                };
                var cpuBefore = Environment.CpuUsage.TotalTime;
                var clock = Stopwatch.StartNew();
                var response = await client.GetCostRollupAsync(request, TestSecrets.Bearer(TestSecrets.AdminToken));
                clock.Stop();
                if (run >= 0)
                {
                    timings.Add(clock.Elapsed.TotalMilliseconds);
                    cpu += Environment.CpuUsage.TotalTime - cpuBefore;
                }

                if (response.Totals.Requests == 0)
                {
                    Console.Error.WriteLine("empty rollup: the load did not work");
                    return 1;
                }
            }

            timings.Sort();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"30-day daily rollup by {name}: median {timings[timings.Count / 2]:F1} ms, worst {timings[^1]:F1} ms ({runs} runs after {warmup} untimed warm-up runs); CPU of this process (client and service) {cpu.TotalMilliseconds / runs:F1} ms per call"));
        }

        return 0;
    }

    private static async Task LoadAsync(string connectionString, int rows, int tenants, int users, int models)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString + ";Command Timeout=0");
        // The service applied the migrations on start; load in chunks so no single statement runs for minutes.
        const int Chunk = 250_000;
        for (var first = 0; first < rows; first += Chunk)
        {
            await using var insert = dataSource.CreateCommand("""
                INSERT INTO usage_events
                SELECT gen_random_uuid(), 'tenant-' || (i % $3), 'key-' || (i % 5), '', 'user-' || ((i / $3) * 7919 % $4),
                       jsonb_build_object('team', 'team-' || (i % 8)), 'openai', 'model-' || ((i / $3) % $5),
                       '/v1/chat/completions', false, CASE WHEN i % 50 = 0 THEN 502 ELSE 200 END, '', 'MISS',
                       i % 2000, 0, 0, i % 500, 0, false, (i % 1000003) / 1000000000.0, 0, 'bench', true,
                       now() - ((i * 2654435761) % 2592000) * interval '1 second', 50000 + (i * 48271) % 5000000,
                       10000, md5(i::text), '[]'::jsonb, now()
                FROM generate_series($1::bigint, $2::bigint) AS i
                """);
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = first });
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Math.Min(rows, first + Chunk) - 1 });
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = tenants });
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = users });
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = models });
            await insert.ExecuteNonQueryAsync();
        }

        await using var rollup = dataSource.CreateCommand("""
            INSERT INTO usage_rollup_hourly
            SELECT tenant_id, date_trunc('hour', started_at, 'UTC'), provider, model, requester, api_key_id, virtual_key_id,
                   count(*), count(*) FILTER (WHERE status_code >= 400), count(*) FILTER (WHERE cache_status = 'HIT'),
                   sum(input_tokens)::bigint, sum(cached_input_tokens)::bigint, sum(cache_write_tokens)::bigint,
                   sum(output_tokens)::bigint, sum(reasoning_tokens)::bigint, sum(cost_usd), sum(saved_cost_usd),
                   sum(latency_us)::bigint
            FROM usage_events
            GROUP BY 1, 2, 3, 4, 5, 6, 7
            """);
        await rollup.ExecuteNonQueryAsync();
        await using var latency = dataSource.CreateCommand("""
            INSERT INTO usage_rollup_latency_hourly
            SELECT tenant_id, date_trunc('hour', started_at, 'UTC'), provider, model, requester, api_key_id, virtual_key_id,
                   analytics_latency_bucket(latency_us), count(*)
            FROM usage_events
            GROUP BY 1, 2, 3, 4, 5, 6, 7, 8
            """);
        await latency.ExecuteNonQueryAsync();
        await using var byModel = dataSource.CreateCommand("""
            INSERT INTO usage_rollup_model_hourly
            SELECT tenant_id, hour, provider, model, sum(requests), sum(errors), sum(cache_hits), sum(input_tokens),
                   sum(cached_input_tokens), sum(cache_write_tokens), sum(output_tokens), sum(reasoning_tokens),
                   sum(cost_usd), sum(saved_cost_usd), sum(latency_sum_us)
            FROM usage_rollup_hourly
            GROUP BY 1, 2, 3, 4;
            INSERT INTO usage_rollup_model_latency_hourly
            SELECT tenant_id, hour, provider, model, bucket, sum(requests)
            FROM usage_rollup_latency_hourly
            GROUP BY 1, 2, 3, 4, 5
            """);
        await byModel.ExecuteNonQueryAsync();
        await using var daily = dataSource.CreateCommand("""
            INSERT INTO usage_rollup_model_daily
            SELECT tenant_id, date_trunc('day', hour, 'UTC'), provider, model, sum(requests), sum(errors), sum(cache_hits),
                   sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens), sum(output_tokens),
                   sum(reasoning_tokens), sum(cost_usd), sum(saved_cost_usd), sum(latency_sum_us)
            FROM usage_rollup_model_hourly
            GROUP BY 1, 2, 3, 4;
            INSERT INTO usage_rollup_model_latency_daily
            SELECT tenant_id, date_trunc('day', hour, 'UTC'), provider, model, bucket, sum(requests)
            FROM usage_rollup_model_latency_hourly
            GROUP BY 1, 2, 3, 4, 5;
            INSERT INTO usage_rollup_user_daily
            SELECT tenant_id, date_trunc('day', hour, 'UTC'), requester, sum(requests), sum(errors), sum(cache_hits),
                   sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens), sum(output_tokens),
                   sum(reasoning_tokens), sum(cost_usd), sum(saved_cost_usd), sum(latency_sum_us)
            FROM usage_rollup_hourly
            GROUP BY 1, 2, 3;
            INSERT INTO usage_rollup_user_latency_daily
            SELECT tenant_id, date_trunc('day', hour, 'UTC'), requester, bucket, sum(requests)
            FROM usage_rollup_latency_hourly
            GROUP BY 1, 2, 3, 4
            """);
        await daily.ExecuteNonQueryAsync();
        await using var analyze = dataSource.CreateCommand("ANALYZE");
        await analyze.ExecuteNonQueryAsync();
    }

    private static async Task<long> RollupRowsAsync(string connectionString)
    {
        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        await using var count = dataSource.CreateCommand("SELECT count(*) FROM usage_rollup_hourly");
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
