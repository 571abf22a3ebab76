using System.Globalization;
using Gateway.Analytics.Rollups;
using Gateway.Contracts;
using Gateway.Contracts.Analytics.V1;
using Gateway.Contracts.Usage.V1;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace Gateway.Analytics.Tests.Ingest;

/// <summary>The hourly and daily rollups equal the request log they summarise, to the last digit, whatever the delivery.</summary>
[Collection(AnalyticsCollection.Name)]
public sealed class RollupConsistencyTests(AnalyticsFixture fixture)
{
    internal static readonly DateTime RangeEnd = FloorHour(DateTime.UtcNow).AddHours(-1);
    internal static readonly DateTime RangeStart = RangeEnd.AddHours(-72);

    [Fact]
    public async Task Rollup_totals_equal_the_sum_of_a_few_thousand_awkward_events_to_the_last_digit()
    {
        var tenant = AnalyticsFixture.NewTenantId("sums");
        var events = RandomEvents(tenant, 3000, seed: 20261122);
        foreach (var chunk in events.Chunk(250))
        {
            await fixture.Ingest.IngestAsync(UsageEvents.Batch(chunk), AnalyticsFixture.InternalHeaders);
        }

        var rollup = await RollupAsync(tenant, RangeStart, RangeEnd);

        Assert.Equal(Expected(events), Measures(rollup.Totals));
        await AssertRollupTablesMatchLogAsync(fixture, tenant);
        // Every group's row is the sum of its events too.
        foreach (var row in rollup.Rows)
        {
            Assert.Equal(Expected(events.Where(e => e.Provider == row.Provider && e.Model == row.Model)), Measures(row));
        }
    }

    [Fact]
    public async Task A_range_that_cuts_hours_adds_the_partial_hours_from_the_log_exactly()
    {
        var tenant = AnalyticsFixture.NewTenantId("partial");
        var events = RandomEvents(tenant, 600, seed: 7);
        await fixture.Ingest.IngestAsync(UsageEvents.Batch([.. events]), AnalyticsFixture.InternalHeaders);
        var start = RangeStart.AddMinutes(17).AddSeconds(3);
        var end = RangeEnd.AddMinutes(-41);
        var inside = events.Where(e => e.StartedAt.ToDateTime() >= start && e.StartedAt.ToDateTime() < end).ToList();
        var withinOneHour = (Start: RangeStart.AddHours(5).AddMinutes(10), End: RangeStart.AddHours(5).AddMinutes(50));

        var rollup = await RollupAsync(tenant, start, end);
        var small = await RollupAsync(tenant, withinOneHour.Start, withinOneHour.End);

        Assert.NotEqual(events.Count, inside.Count);
        Assert.Equal(Expected(inside), Measures(rollup.Totals));
        Assert.Equal(Expected(events.Where(e => e.StartedAt.ToDateTime() >= withinOneHour.Start && e.StartedAt.ToDateTime() < withinOneHour.End)),
            Measures(small.Totals));
    }

    [Fact]
    public async Task Daily_series_by_user_and_by_model_over_a_range_that_cuts_days_and_hours_equal_the_log_exactly()
    {
        var tenant = AnalyticsFixture.NewTenantId("daily");
        var events = RandomEvents(tenant, 1500, seed: 11);
        foreach (var chunk in events.Chunk(500))
        {
            await fixture.Ingest.IngestAsync(UsageEvents.Batch(chunk), AnalyticsFixture.InternalHeaders);
        }

        // Raw minutes, whole hours, whole days (read from the daily rollups), whole hours, raw minutes.
        var start = RangeStart.AddMinutes(17).AddSeconds(3);
        var end = RangeEnd.AddMinutes(-41);
        var inside = events.Where(e => e.StartedAt.ToDateTime() >= start && e.StartedAt.ToDateTime() < end).ToList();
        Assert.True(end.Date > start.Date.AddDays(1), "the range must hold a whole UTC day");

        foreach (var (groupBy, dimension) in new (GroupBy, Func<UsageEvent, string>)[] { (GroupBy.User, e => e.User), (GroupBy.Model, e => e.Model) })
        {
            Task<GetCostRollupResponse> Rollup(Granularity granularity) => fixture.Query.GetCostRollupAsync(new GetCostRollupRequest
            {
                TenantId = tenant,
                StartTime = Timestamp.FromDateTime(start),
                EndTime = Timestamp.FromDateTime(end),
                Granularity = granularity,
                GroupBy = { groupBy },
            }, AnalyticsFixture.AdminHeaders).ResponseAsync;
            var rollup = await Rollup(Granularity.Day);
            // An hourly series cannot use the daily tables: its rows come from the hourly ones and the log alone.
            var fromHours = await Rollup(Granularity.Hour);
            string Key(CostRollupRow row) => groupBy == GroupBy.User ? row.User : row.Model;

            Assert.Equal(Expected(inside), Measures(rollup.Totals));
            Assert.Equal(inside.Select(dimension).Distinct().Count(), rollup.Rows.Count);
            foreach (var row in rollup.Rows)
            {
                Assert.Equal(Expected(inside.Where(e => dimension(e) == Key(row))), Measures(row));
                Assert.True(row.LatencyP50Us > 0 && row.LatencyP50Us <= row.LatencyP99Us);
            }

            static (string, long, long, long, long) Percentiles(CostRollupRow row) =>
                (row.User + row.Model, row.Requests, row.LatencyP50Us, row.LatencyP95Us, row.LatencyP99Us);
            Assert.Equal(fromHours.Rows.Select(Percentiles), rollup.Rows.Select(Percentiles));
            Assert.Equal(Percentiles(fromHours.Totals), Percentiles(rollup.Totals));

            var days = inside.GroupBy(e => (e.StartedAt.ToDateTime().Date, dimension(e))).ToList();
            Assert.Equal(days.Count, rollup.Series.Count);
            foreach (var point in rollup.Series)
            {
                var day = days.Single(d => d.Key == (point.BucketStart.ToDateTime(), Key(point)));
                Assert.Equal(Expected(day), Measures(point));
            }
        }

        await AssertRollupTablesMatchLogAsync(fixture, tenant);
    }

    [Fact]
    public async Task Overlapping_batches_delivered_concurrently_and_redelivered_are_applied_exactly_once()
    {
        var tenant = AnalyticsFixture.NewTenantId("overlap");
        var events = RandomEvents(tenant, 1200, seed: 99);
        var random = new Random(5);
        // Sixteen batches of random overlapping slices in random order, each sent twice, all at once.
        var batches = Enumerable.Range(0, 16)
            .Select(_ => UsageEvents.Batch([.. events.OrderBy(_ => random.Next()).Take(400)]))
            .Append(UsageEvents.Batch([.. events]))
            .ToList();

        var responses = await Task.WhenAll(batches.Concat(batches)
            .Select(batch => fixture.Ingest.IngestAsync(batch, AnalyticsFixture.InternalHeaders).ResponseAsync));

        Assert.Equal(events.Count, responses.Sum(r => r.Accepted));
        Assert.Equal(batches.Sum(b => b.Events.Count) * 2 - events.Count, responses.Sum(r => r.Duplicates));
        Assert.Equal(Expected(events), Measures((await RollupAsync(tenant, RangeStart, RangeEnd)).Totals));
        await AssertRollupTablesMatchLogAsync(fixture, tenant);
    }

    /// <summary>Money sums, requests, errors, cache hits, tokens, latency sum.</summary>
    internal static (string Cost, string Saved, long Requests, long Errors, long CacheHits, long Input, long Cached, long Write,
        long Output, long Reasoning, long LatencySum) Expected(IEnumerable<UsageEvent> events)
    {
        var list = events.ToList();
        return (
            ExactDecimal.ToText(list.Sum(e => decimal.Parse(e.CostUsd, CultureInfo.InvariantCulture))),
            ExactDecimal.ToText(list.Sum(e => decimal.Parse(e.SavedCostUsd, CultureInfo.InvariantCulture))),
            list.Count, list.Count(e => e.StatusCode >= 400), list.Count(e => e.CacheStatus == "HIT"),
            list.Sum(e => e.InputTokens), list.Sum(e => e.CachedInputTokens), list.Sum(e => e.CacheWriteTokens),
            list.Sum(e => e.OutputTokens), list.Sum(e => e.ReasoningTokens), list.Sum(e => e.LatencyUs));
    }

    internal static (string, string, long, long, long, long, long, long, long, long, long) Measures(CostRollupRow row) =>
        (row.CostUsd, row.SavedCostUsd, row.Requests, row.Errors, row.CacheHits, row.InputTokens, row.CachedInputTokens,
            row.CacheWriteTokens, row.OutputTokens, row.ReasoningTokens, row.LatencySumUs);

    /// <summary>Waits until the roller has moved the tenant's queued events, then re-aggregates the tenant's log per
    /// hour and dimensions in SQL and compares it with the rollup tables (sums and latency histograms, per hour for
    /// every dimension and per model, per day for model and user; a row's histogram cells added up per bucket): both
    /// differences must be empty (and the tenant must have at least <paramref name="minimumHourlyRows"/> hourly rows,
    /// so that an empty comparison cannot pass).</summary>
    internal static async Task AssertRollupTablesMatchLogAsync(AnalyticsFixture fixture, string tenant, int minimumHourlyRows = 11)
    {
        await fixture.WaitForRollupsAsync(tenant);
        await using var command = fixture.Database.CreateCommand("""
            WITH raw AS (
                SELECT date_trunc('hour', started_at, 'UTC') AS hour, provider, model, requester, api_key_id, virtual_key_id,
                       count(*) AS requests, count(*) FILTER (WHERE status_code >= 400) AS errors,
                       count(*) FILTER (WHERE cache_status = 'HIT') AS cache_hits, sum(input_tokens) AS input_tokens,
                       sum(output_tokens) AS output_tokens, sum(cost_usd) AS cost_usd, sum(saved_cost_usd) AS saved_cost_usd,
                       sum(latency_us) AS latency_sum_us
                FROM usage_events WHERE tenant_id = $1
                GROUP BY 1, 2, 3, 4, 5, 6),
            rolled AS (
                SELECT hour, provider, model, requester, api_key_id, virtual_key_id, requests, errors, cache_hits,
                       input_tokens::numeric, output_tokens::numeric, cost_usd, saved_cost_usd, latency_sum_us::numeric
                FROM usage_rollup_hourly WHERE tenant_id = $1),
            raw_latency AS (
                SELECT date_trunc('hour', started_at, 'UTC') AS hour, provider, model, requester, api_key_id, virtual_key_id,
                       analytics_latency_bucket(latency_us) AS bucket, count(*) AS requests
                FROM usage_events WHERE tenant_id = $1
                GROUP BY 1, 2, 3, 4, 5, 6, 7),
            rolled_latency AS (
                SELECT hour, provider, model, requester, api_key_id, virtual_key_id, cell.bucket, sum(cell.requests)::bigint
                FROM usage_rollup_hourly CROSS JOIN LATERAL unnest(latency_buckets, latency_counts) AS cell(bucket, requests)
                WHERE tenant_id = $1
                GROUP BY 1, 2, 3, 4, 5, 6, 7),
            raw_model AS (
                SELECT date_trunc('hour', started_at, 'UTC') AS hour, provider, model, count(*) AS requests,
                       sum(cost_usd) AS cost_usd, sum(saved_cost_usd) AS saved_cost_usd, sum(latency_us) AS latency_sum_us,
                       sum(output_tokens) AS output_tokens
                FROM usage_events WHERE tenant_id = $1
                GROUP BY 1, 2, 3),
            rolled_model AS (
                SELECT hour, provider, model, requests, cost_usd, saved_cost_usd, latency_sum_us::numeric, output_tokens::numeric
                FROM usage_rollup_model_hourly WHERE tenant_id = $1),
            raw_model_latency AS (
                SELECT date_trunc('hour', started_at, 'UTC') AS hour, provider, model, analytics_latency_bucket(latency_us) AS bucket,
                       count(*) AS requests
                FROM usage_events WHERE tenant_id = $1
                GROUP BY 1, 2, 3, 4),
            rolled_model_latency AS (
                SELECT hour, provider, model, cell.bucket, sum(cell.requests)::bigint
                FROM usage_rollup_model_hourly CROSS JOIN LATERAL unnest(latency_buckets, latency_counts) AS cell(bucket, requests)
                WHERE tenant_id = $1
                GROUP BY 1, 2, 3, 4)
            ,
            raw_model_day AS (
                SELECT date_trunc('day', started_at, 'UTC') AS day, provider, model, count(*) AS requests,
                       count(*) FILTER (WHERE status_code >= 400) AS errors, sum(cost_usd) AS cost_usd,
                       sum(saved_cost_usd) AS saved_cost_usd, sum(latency_us) AS latency_sum_us, sum(input_tokens) AS input_tokens
                FROM usage_events WHERE tenant_id = $1
                GROUP BY 1, 2, 3),
            rolled_model_day AS (
                SELECT day, provider, model, requests, errors, cost_usd, saved_cost_usd, latency_sum_us::numeric,
                       input_tokens::numeric
                FROM usage_rollup_model_daily WHERE tenant_id = $1),
            raw_model_day_latency AS (
                SELECT date_trunc('day', started_at, 'UTC') AS day, provider, model, analytics_latency_bucket(latency_us) AS bucket,
                       count(*) AS requests
                FROM usage_events WHERE tenant_id = $1
                GROUP BY 1, 2, 3, 4),
            rolled_model_day_latency AS (
                SELECT day, provider, model, cell.bucket, sum(cell.requests)::bigint
                FROM usage_rollup_model_daily CROSS JOIN LATERAL unnest(latency_buckets, latency_counts) AS cell(bucket, requests)
                WHERE tenant_id = $1
                GROUP BY 1, 2, 3, 4),
            raw_user_day AS (
                SELECT date_trunc('day', started_at, 'UTC') AS day, requester, count(*) AS requests,
                       count(*) FILTER (WHERE cache_status = 'HIT') AS cache_hits, sum(cost_usd) AS cost_usd,
                       sum(saved_cost_usd) AS saved_cost_usd, sum(latency_us) AS latency_sum_us, sum(output_tokens) AS output_tokens
                FROM usage_events WHERE tenant_id = $1
                GROUP BY 1, 2),
            rolled_user_day AS (
                SELECT day, requester, requests, cache_hits, cost_usd, saved_cost_usd, latency_sum_us::numeric,
                       output_tokens::numeric
                FROM usage_rollup_user_daily WHERE tenant_id = $1),
            raw_user_day_latency AS (
                SELECT date_trunc('day', started_at, 'UTC') AS day, requester, analytics_latency_bucket(latency_us) AS bucket,
                       count(*) AS requests
                FROM usage_events WHERE tenant_id = $1
                GROUP BY 1, 2, 3),
            rolled_user_day_latency AS (
                SELECT day, requester, cell.bucket, sum(cell.requests)::bigint
                FROM usage_rollup_user_daily CROSS JOIN LATERAL unnest(latency_buckets, latency_counts) AS cell(bucket, requests)
                WHERE tenant_id = $1
                GROUP BY 1, 2, 3),
            cells AS (
                SELECT latency_buckets FROM usage_rollup_hourly WHERE tenant_id = $1
                UNION ALL SELECT latency_buckets FROM usage_rollup_model_hourly WHERE tenant_id = $1
                UNION ALL SELECT latency_buckets FROM usage_rollup_model_daily WHERE tenant_id = $1
                UNION ALL SELECT latency_buckets FROM usage_rollup_user_daily WHERE tenant_id = $1)
            SELECT (SELECT count(*) FROM (SELECT * FROM raw EXCEPT ALL SELECT * FROM rolled) AS a)
                   + (SELECT count(*) FROM (SELECT * FROM raw_latency EXCEPT ALL SELECT * FROM rolled_latency) AS c)
                   + (SELECT count(*) FROM (SELECT * FROM raw_model EXCEPT ALL SELECT * FROM rolled_model) AS e)
                   + (SELECT count(*) FROM (SELECT * FROM raw_model_latency EXCEPT ALL SELECT * FROM rolled_model_latency) AS g)
                   + (SELECT count(*) FROM (SELECT * FROM raw_model_day EXCEPT ALL SELECT * FROM rolled_model_day) AS i)
                   + (SELECT count(*) FROM (SELECT * FROM raw_model_day_latency EXCEPT ALL SELECT * FROM rolled_model_day_latency) AS k)
                   + (SELECT count(*) FROM (SELECT * FROM raw_user_day EXCEPT ALL SELECT * FROM rolled_user_day) AS m)
                   + (SELECT count(*) FROM (SELECT * FROM raw_user_day_latency EXCEPT ALL SELECT * FROM rolled_user_day_latency) AS o),
                   (SELECT count(*) FROM (SELECT * FROM rolled EXCEPT ALL SELECT * FROM raw) AS b)
                   + (SELECT count(*) FROM (SELECT * FROM rolled_latency EXCEPT ALL SELECT * FROM raw_latency) AS d)
                   + (SELECT count(*) FROM (SELECT * FROM rolled_model EXCEPT ALL SELECT * FROM raw_model) AS f)
                   + (SELECT count(*) FROM (SELECT * FROM rolled_model_latency EXCEPT ALL SELECT * FROM raw_model_latency) AS h)
                   + (SELECT count(*) FROM (SELECT * FROM rolled_model_day EXCEPT ALL SELECT * FROM raw_model_day) AS j)
                   + (SELECT count(*) FROM (SELECT * FROM rolled_model_day_latency EXCEPT ALL SELECT * FROM raw_model_day_latency) AS l)
                   + (SELECT count(*) FROM (SELECT * FROM rolled_user_day EXCEPT ALL SELECT * FROM raw_user_day) AS n)
                   + (SELECT count(*) FROM (SELECT * FROM rolled_user_day_latency EXCEPT ALL SELECT * FROM raw_user_day_latency) AS p),
                   (SELECT count(*) FROM rolled),
                   (SELECT max(cardinality(latency_buckets)) FROM cells)
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        await using var reader = await command.ExecuteReaderAsync();
        Assert.True(await reader.ReadAsync());
        Assert.Equal((0L, 0L), (reader.GetInt64(0), reader.GetInt64(1)));
        Assert.True(reader.GetInt64(2) >= minimumHourlyRows);
        // A row's latency cells stay bounded (merged past the bound), however many passes added to it.
        Assert.InRange(reader.GetInt32(3), 1, RollupSql.MaxLatencyCells);
    }

    private Task<GetCostRollupResponse> RollupAsync(string tenant, DateTime start, DateTime end) =>
        fixture.Query.GetCostRollupAsync(new GetCostRollupRequest
        {
            TenantId = tenant,
            StartTime = Timestamp.FromDateTime(start),
            EndTime = Timestamp.FromDateTime(end),
        }, AnalyticsFixture.AdminHeaders).ResponseAsync;

    /// <summary>Events spread over <see cref="RangeStart"/>..<see cref="RangeEnd"/> with costs of up to 15 decimal
    /// places, a few dimensions' worth of variety, errors, cache hits and latencies from sub-millisecond to minutes.</summary>
    internal static List<UsageEvent> RandomEvents(string tenant, int count, int seed)
    {
        var random = new Random(seed);
        string[] models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "o3"];
        string[] users = ["alice", "bob", "", "carol"];
        var span = (RangeEnd - RangeStart).Ticks;
        var events = new List<UsageEvent>(count);
        for (var i = 0; i < count; i++)
        {
            var model = models[random.Next(models.Length)];
            var usage = UsageEvents.Create(tenant,
                cost: Money(random), provider: model.StartsWith("claude", StringComparison.Ordinal) ? "anthropic" : "openai",
                model: model, statusCode: random.Next(10) == 0 ? 502 : 200,
                startedAt: RangeStart.AddTicks(random.NextInt64(span) / 10 * 10));
            usage.User = users[random.Next(users.Length)];
            usage.ApiKeyId = "key-" + random.Next(3).ToString(CultureInfo.InvariantCulture);
            usage.VirtualKeyId = random.Next(4) == 0 ? "" : "vk-" + random.Next(2).ToString(CultureInfo.InvariantCulture);
            usage.CacheStatus = random.Next(5) == 0 ? "HIT" : "MISS";
            usage.SavedCostUsd = usage.CacheStatus == "HIT" ? Money(random) : "0";
            usage.InputTokens = random.Next(0, 100_000);
            usage.OutputTokens = random.Next(0, 10_000);
            usage.LatencyUs = (long)Math.Exp(random.NextDouble() * 18);
            events.Add(usage);
        }

        return events;
    }

    private static string Money(Random random)
    {
        var scale = random.Next(0, 16);
        var units = random.NextInt64(0, 100_000_000_000);
        return ExactDecimal.ToText(new decimal(units) / (decimal)Math.Pow(10, scale));
    }

    private static DateTime FloorHour(DateTime value) => new(value.Ticks - value.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);
}
