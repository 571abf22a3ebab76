using Gateway.Analytics.Rollups;
using Gateway.Analytics.Tests.Ingest;
using Gateway.Contracts.Usage.V1;
using Npgsql;

namespace Gateway.Analytics.Tests.Rollups;

/// <summary>A rollup row's latency histogram (migration 0006) is built over many roller passes: each pass appends its
/// cells, and past <see cref="RollupSql.MaxLatencyCells"/> they are merged into one cell per bucket. Whichever way a
/// pass went, the histogram equals the log's, bucket by bucket.</summary>
[Collection(AnalyticsCollection.Name)]
public sealed class LatencyCellsTests(AnalyticsFixture fixture)
{
    [Fact]
    public async Task Cells_appended_over_passes_and_merged_past_the_bound_add_up_to_the_logs_histogram()
    {
        var tenant = AnalyticsFixture.NewTenantId("cells");
        // All events in one group of every rollup table (one hour, model, user and key), latencies cycling through
        // 50 buckets, so the first pass alone passes the bound and is merged as it is inserted.
        var events = Enumerable.Range(0, 160).Select(i => Event(tenant, bucket: 2 + (i % 50))).ToList();

        await using (await fixture.PauseRollupsAsync())
        {
            await fixture.Ingest.IngestAsync(UsageEvents.Batch([.. events.Take(100)]), AnalyticsFixture.InternalHeaders);
        }

        await fixture.WaitForRollupsAsync(tenant);
        Assert.Equal((50, 100L), await CellsAsync(tenant));

        // 50 + 30 cells stay within the bound: appended, so buckets repeat.
        await IngestAndRollAsync(events.Skip(100).Take(30));
        Assert.Equal((80, 130L), await CellsAsync(tenant));

        // 80 + 30 would not: merged, one cell per bucket.
        await IngestAndRollAsync(events.Skip(130));
        Assert.Equal((50, 160L), await CellsAsync(tenant));

        await RollupConsistencyTests.AssertRollupTablesMatchLogAsync(fixture, tenant, minimumHourlyRows: 1);
    }

    private async Task IngestAndRollAsync(IEnumerable<UsageEvent> events)
    {
        await fixture.Ingest.IngestAsync(UsageEvents.Batch([.. events]), AnalyticsFixture.InternalHeaders);
        await fixture.WaitForRollupsAsync(events.First().TenantId);
    }

    /// <summary>The cells and the requests they count, the same in each of the tenant's four rollup rows.</summary>
    private async Task<(int Cells, long Requests)> CellsAsync(string tenant)
    {
        await using var command = fixture.Database.CreateCommand("""
            SELECT cardinality(latency_buckets), (SELECT sum(c)::bigint FROM unnest(latency_counts) AS c)
            FROM usage_rollup_hourly WHERE tenant_id = $1
            UNION ALL SELECT cardinality(latency_buckets), (SELECT sum(c)::bigint FROM unnest(latency_counts) AS c)
            FROM usage_rollup_model_hourly WHERE tenant_id = $1
            UNION ALL SELECT cardinality(latency_buckets), (SELECT sum(c)::bigint FROM unnest(latency_counts) AS c)
            FROM usage_rollup_model_daily WHERE tenant_id = $1
            UNION ALL SELECT cardinality(latency_buckets), (SELECT sum(c)::bigint FROM unnest(latency_counts) AS c)
            FROM usage_rollup_user_daily WHERE tenant_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        var rows = new List<(int, long)>();
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                rows.Add((reader.GetInt32(0), reader.GetInt64(1)));
            }
        }

        Assert.Equal(4, rows.Count);
        Assert.All(rows, row => Assert.Equal(rows[0], row));
        return rows[0];
    }

    /// <summary>An event in the middle of the given histogram bucket (bucket k + 2 starts at 1 ms * 2^(k/4)).</summary>
    private static UsageEvent Event(string tenant, int bucket)
    {
        var usage = UsageEvents.Create(tenant, startedAt: RollupConsistencyTests.RangeStart.AddMinutes(bucket % 60));
        usage.User = "alice";
        usage.LatencyUs = (long)(1000 * Math.Pow(2, (bucket - 2 + 0.5) / 4));
        return usage;
    }
}
