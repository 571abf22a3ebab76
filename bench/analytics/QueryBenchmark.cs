using System.Diagnostics;
using System.Globalization;
using Gateway.Contracts.Analytics.V1;
using Gateway.Testing;
using Google.Protobuf.WellKnownTypes;
using Npgsql;
using AnalyticsClient = Gateway.Contracts.Analytics.V1.Analytics.AnalyticsClient;

namespace Gateway.Bench.Analytics;

/// <summary>Loads a request log spread over the last 30 days (straight into PostgreSQL, with the rollups built the way
/// migrations 0002, 0003 and 0006 backfill them), then times 30-day daily rollups for one tenant over gRPC, grouped by
/// model and by user. Each grouping first runs --warmup untimed calls (default 20): the first dozens of calls of a
/// fresh process run in the JIT's first tier and are several times slower than what a long-running service answers in.
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

        // Each rollup row with its latency histogram as the roller stores it (migration 0006): cells of
        // (bucket, requests), here one per non-empty bucket, ascending.
        await using var rollup = dataSource.CreateCommand("""
            INSERT INTO usage_rollup_hourly
            SELECT tenant_id, hour, provider, model, requester, api_key_id, virtual_key_id, sum(requests), sum(errors),
                   sum(cache_hits), sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
                   sum(output_tokens), sum(reasoning_tokens), sum(cost_usd), sum(saved_cost_usd), sum(latency_sum_us),
                   array_agg(bucket ORDER BY bucket), array_agg(requests ORDER BY bucket)
            FROM (SELECT tenant_id, date_trunc('hour', started_at, 'UTC') AS hour, provider, model, requester, api_key_id,
                         virtual_key_id, analytics_latency_bucket(latency_us) AS bucket, count(*) AS requests,
                         count(*) FILTER (WHERE status_code >= 400) AS errors,
                         count(*) FILTER (WHERE cache_status = 'HIT') AS cache_hits, sum(input_tokens) AS input_tokens,
                         sum(cached_input_tokens) AS cached_input_tokens, sum(cache_write_tokens) AS cache_write_tokens,
                         sum(output_tokens) AS output_tokens, sum(reasoning_tokens) AS reasoning_tokens,
                         sum(cost_usd) AS cost_usd, sum(saved_cost_usd) AS saved_cost_usd, sum(latency_us) AS latency_sum_us
                  FROM usage_events
                  GROUP BY 1, 2, 3, 4, 5, 6, 7, 8) AS cells
            GROUP BY 1, 2, 3, 4, 5, 6, 7
            """);
        await rollup.ExecuteNonQueryAsync();

        // The coarser rollups from the hourly one: its cells unnested and added up per bucket.
        await using var coarser = dataSource.CreateCommand("""
            CREATE TEMP VIEW hourly_cells AS
            SELECT tenant_id, hour, provider, model, requester, cell.bucket, cell.requests
            FROM usage_rollup_hourly CROSS JOIN LATERAL unnest(latency_buckets, latency_counts) AS cell(bucket, requests);
            CREATE TEMP TABLE model_hourly_cells AS
            SELECT tenant_id, hour, provider, model, bucket, sum(requests)::bigint AS requests
            FROM hourly_cells GROUP BY 1, 2, 3, 4, 5;
            INSERT INTO usage_rollup_model_hourly
            SELECT s.*, c.buckets, c.counts
            FROM (SELECT tenant_id, hour, provider, model, sum(requests), sum(errors), sum(cache_hits), sum(input_tokens),
                         sum(cached_input_tokens), sum(cache_write_tokens), sum(output_tokens), sum(reasoning_tokens),
                         sum(cost_usd), sum(saved_cost_usd), sum(latency_sum_us)
                  FROM usage_rollup_hourly GROUP BY 1, 2, 3, 4) AS s
            JOIN (SELECT tenant_id, hour, provider, model, array_agg(bucket ORDER BY bucket) AS buckets,
                         array_agg(requests ORDER BY bucket) AS counts
                  FROM model_hourly_cells GROUP BY 1, 2, 3, 4) AS c USING (tenant_id, hour, provider, model);
            INSERT INTO usage_rollup_model_daily
            SELECT s.*, c.buckets, c.counts
            FROM (SELECT tenant_id, date_trunc('day', hour, 'UTC') AS day, provider, model, sum(requests), sum(errors),
                         sum(cache_hits), sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
                         sum(output_tokens), sum(reasoning_tokens), sum(cost_usd), sum(saved_cost_usd), sum(latency_sum_us)
                  FROM usage_rollup_model_hourly GROUP BY 1, 2, 3, 4) AS s
            JOIN (SELECT tenant_id, day, provider, model, array_agg(bucket ORDER BY bucket) AS buckets,
                         array_agg(requests ORDER BY bucket) AS counts
                  FROM (SELECT tenant_id, date_trunc('day', hour, 'UTC') AS day, provider, model, bucket,
                               sum(requests)::bigint AS requests
                        FROM model_hourly_cells GROUP BY 1, 2, 3, 4, 5) AS d
                  GROUP BY 1, 2, 3, 4) AS c USING (tenant_id, day, provider, model);
            INSERT INTO usage_rollup_user_daily
            SELECT s.*, c.buckets, c.counts
            FROM (SELECT tenant_id, date_trunc('day', hour, 'UTC') AS day, requester, sum(requests), sum(errors),
                         sum(cache_hits), sum(input_tokens), sum(cached_input_tokens), sum(cache_write_tokens),
                         sum(output_tokens), sum(reasoning_tokens), sum(cost_usd), sum(saved_cost_usd), sum(latency_sum_us)
                  FROM usage_rollup_hourly GROUP BY 1, 2, 3) AS s
            JOIN (SELECT tenant_id, day, requester, array_agg(bucket ORDER BY bucket) AS buckets,
                         array_agg(requests ORDER BY bucket) AS counts
                  FROM (SELECT tenant_id, date_trunc('day', hour, 'UTC') AS day, requester, bucket,
                               sum(requests)::bigint AS requests
                        FROM hourly_cells GROUP BY 1, 2, 3, 4) AS d
                  GROUP BY 1, 2, 3) AS c USING (tenant_id, day, requester);
            DROP TABLE model_hourly_cells;
            DROP VIEW hourly_cells
            """);
        await coarser.ExecuteNonQueryAsync();
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
