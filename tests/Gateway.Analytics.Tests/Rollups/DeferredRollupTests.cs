using Gateway.Analytics.Rollups;
using Gateway.Analytics.Tests.Ingest;
using Gateway.Contracts.Analytics.V1;
using Gateway.Contracts.Usage.V1;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace Gateway.Analytics.Tests.Rollups;

/// <summary>Ingest queues rollup work and a background roller does it later: every answer must be exact before, while
/// and after the roller moves the queued events, whatever the number of rollers and however one of them dies.</summary>
[Collection(AnalyticsCollection.Name)]
public sealed class DeferredRollupTests(AnalyticsFixture fixture)
{
    private static readonly DateTime Start = RollupConsistencyTests.RangeStart.AddMinutes(17).AddSeconds(3);
    private static readonly DateTime End = RollupConsistencyTests.RangeEnd.AddMinutes(-41);

    [Fact]
    public async Task Queries_are_exact_while_events_are_pending_and_identical_after_the_roller_drains_them()
    {
        var tenant = AnalyticsFixture.NewTenantId("pending");
        var events = RollupConsistencyTests.RandomEvents(tenant, 1500, seed: 31);
        var batches = events.Chunk(500).Select(chunk => UsageEvents.Batch(chunk)).ToList();
        IReadOnlyList<GetCostRollupResponse> pending;
        await using (await fixture.PauseRollupsAsync())
        {
            foreach (var batch in batches)
            {
                await fixture.Ingest.IngestAsync(batch, AnalyticsFixture.InternalHeaders);
            }

            var redelivered = await fixture.Ingest.IngestAsync(batches[1], AnalyticsFixture.InternalHeaders);
            Assert.Equal((0, 500), (redelivered.Accepted, redelivered.Duplicates));
            Assert.Equal(events.Count, await fixture.PendingRowsAsync(tenant));

            pending = await RollupsAsync(tenant);
            Assert.Equal(events.Count, await fixture.PendingRowsAsync(tenant));
        }

        await fixture.WaitForRollupsAsync(tenant);
        var rolledUp = await RollupsAsync(tenant);

        var inside = events.Where(e => e.StartedAt.ToDateTime() >= Start && e.StartedAt.ToDateTime() < End).ToList();
        Assert.All(pending, rollup => Assert.Equal(RollupConsistencyTests.Expected(inside), RollupConsistencyTests.Measures(rollup.Totals)));
        // Percentiles and every row and series point too: the queued rows count exactly as their rollup rows do.
        Assert.Equal(pending, rolledUp);
        await RollupConsistencyTests.AssertRollupTablesMatchLogAsync(fixture, tenant);
    }

    [Fact]
    public async Task Rollers_running_at_once_count_every_event_once_and_never_deadlock()
    {
        var tenant = AnalyticsFixture.NewTenantId("rollers");
        var events = RollupConsistencyTests.RandomEvents(tenant, 2000, seed: 41);
        var rollers = new PendingRollups(fixture.Database);
        Task[] running;
        await using (await fixture.PauseRollupsAsync())
        {
            await Task.WhenAll(events.Chunk(250).Select(chunk =>
                fixture.Ingest.IngestAsync(UsageEvents.Batch(chunk), AnalyticsFixture.InternalHeaders).ResponseAsync));
            Assert.Equal(events.Count, await fixture.PendingRowsAsync(tenant));

            // Four rollers with small chunks (besides the service's own), all waiting for the lock the pause holds.
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            running = [.. Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
            {
                while (await fixture.PendingRowsAsync(tenant) > 0)
                {
                    Assert.True(DateTime.UtcNow < deadline, "the rollers did not drain the pending rows in time");
                    if (await rollers.MoveAsync(97, CancellationToken.None) is null)
                    {
                        await Task.Delay(5);
                    }
                }
            }))];
        }

        await Task.WhenAll(running);

        var rollup = await fixture.Query.GetCostRollupAsync(Request(tenant, GroupBy.Model, Granularity.Day), AnalyticsFixture.AdminHeaders);
        var inside = events.Where(e => e.StartedAt.ToDateTime() >= Start && e.StartedAt.ToDateTime() < End);
        Assert.Equal(RollupConsistencyTests.Expected(inside), RollupConsistencyTests.Measures(rollup.Totals));
        await RollupConsistencyTests.AssertRollupTablesMatchLogAsync(fixture, tenant);
    }

    [Fact]
    public async Task A_roller_that_dies_mid_chunk_loses_and_double_counts_nothing()
    {
        var tenant = AnalyticsFixture.NewTenantId("crash");
        var events = RollupConsistencyTests.RandomEvents(tenant, 800, seed: 53);
        var inside = events.Where(e => e.StartedAt.ToDateTime() >= Start && e.StartedAt.ToDateTime() < End).ToList();

        // This session holds the rollers' lock, so the service's roller leaves the queued events to it.
        var crashing = await fixture.Database.OpenConnectionAsync();
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_lock($1)", crashing))
        {
            lockCommand.Parameters.Add(new NpgsqlParameter<long> { TypedValue = RollupSql.RollerLockKey });
            await lockCommand.ExecuteNonQueryAsync();
        }

        await fixture.Ingest.IngestAsync(UsageEvents.Batch([.. events]), AnalyticsFixture.InternalHeaders);
        var pid = crashing.ProcessID;
        var transaction = await crashing.BeginTransactionAsync();
        await using (var move = new NpgsqlCommand(RollupSql.Move, crashing, transaction))
        {
            move.Parameters.Add(new NpgsqlParameter<int> { TypedValue = 1_000_000 });
            Assert.True((long)(await move.ExecuteScalarAsync())! >= events.Count);
        }

        // The roller's backend dies after moving the chunk, before its commit.
        await using (var kill = fixture.Database.CreateCommand("SELECT pg_terminate_backend($1)"))
        {
            kill.Parameters.Add(new NpgsqlParameter<int> { TypedValue = pid });
            Assert.True((bool)(await kill.ExecuteScalarAsync())!);
        }

        await Assert.ThrowsAnyAsync<Exception>(() => transaction.CommitAsync());
        await crashing.DisposeAsync();

        Assert.Equal(events.Count, await fixture.PendingRowsAsync(tenant));
        var before = await fixture.Query.GetCostRollupAsync(Request(tenant, GroupBy.User, Granularity.Day), AnalyticsFixture.AdminHeaders);
        Assert.Equal(RollupConsistencyTests.Expected(inside), RollupConsistencyTests.Measures(before.Totals));

        await RollupConsistencyTests.AssertRollupTablesMatchLogAsync(fixture, tenant);
        var after = await fixture.Query.GetCostRollupAsync(Request(tenant, GroupBy.User, Granularity.Day), AnalyticsFixture.AdminHeaders);
        Assert.Equal(before, after);
    }

    /// <summary>Daily by model, daily by user, hourly by model and the totals alone, over a range that cuts hours and
    /// days, so every source (log edges, hourly and daily rollups, pending rows) takes part.</summary>
    private async Task<IReadOnlyList<GetCostRollupResponse>> RollupsAsync(string tenant)
    {
        var responses = new List<GetCostRollupResponse>();
        foreach (var (groupBy, granularity) in new[]
        {
            (GroupBy.Model, Granularity.Day), (GroupBy.User, Granularity.Day), (GroupBy.Model, Granularity.Hour),
            (GroupBy.ApiKey, Granularity.Unspecified),
        })
        {
            responses.Add(await fixture.Query.GetCostRollupAsync(Request(tenant, groupBy, granularity), AnalyticsFixture.AdminHeaders));
        }

        return responses;
    }

    private static GetCostRollupRequest Request(string tenant, GroupBy groupBy, Granularity granularity) => new()
    {
        TenantId = tenant,
        StartTime = Timestamp.FromDateTime(Start),
        EndTime = Timestamp.FromDateTime(End),
        Granularity = granularity,
        GroupBy = { groupBy },
    };
}
