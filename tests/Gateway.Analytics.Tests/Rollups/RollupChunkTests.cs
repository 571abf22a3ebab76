using Gateway.Analytics.Rollups;
using Gateway.Analytics.Tests.Ingest;
using Npgsql;

namespace Gateway.Analytics.Tests.Rollups;

/// <summary>One pass of the roller moves exactly the chunk it was given, and finds it by TID range whatever plan the
/// prepared statement ends up with (a sequential scan matching each row against an array of ctids was quadratic).</summary>
[Collection(AnalyticsCollection.Name)]
public sealed class RollupChunkTests(AnalyticsFixture fixture)
{
    [Fact]
    public async Task A_pass_moves_exactly_the_chunk_size_while_more_rows_are_pending()
    {
        var tenant = AnalyticsFixture.NewTenantId("chunk");
        var events = RollupConsistencyTests.RandomEvents(tenant, 700, seed: 61);

        // This session holds the rollers' lock, so the service's roller leaves the queued events to it.
        await using var connection = await fixture.Database.OpenConnectionAsync();
        await Lock(connection, "pg_advisory_lock");
        try
        {
            await fixture.Ingest.IngestAsync(UsageEvents.Batch([.. events]), AnalyticsFixture.InternalHeaders);
            var before = await PendingAsync(connection);
            Assert.True(before >= events.Count);

            Assert.Equal(250, await MoveAsync(connection, 250));
            Assert.Equal(before - 250, await PendingAsync(connection));

            // A chunk larger than what is pending takes all of it.
            Assert.Equal(before - 250, await MoveAsync(connection, 1_000_000));
            Assert.Equal(0, await PendingAsync(connection));
        }
        finally
        {
            await Lock(connection, "pg_advisory_unlock");
        }

        await RollupConsistencyTests.AssertRollupTablesMatchLogAsync(fixture, tenant);
    }

    [Fact]
    public async Task The_generic_plan_deletes_the_chunk_through_a_tid_range_scan()
    {
        await using var connection = await fixture.Database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var setup = new NpgsqlCommand($"""
            SET LOCAL plan_cache_mode = force_generic_plan;
            PREPARE chunk_plan_test (integer) AS {RollupSql.Move}
            """, connection, transaction))
        {
            await setup.ExecuteNonQueryAsync();
        }

        var plan = new List<string>();
        await using (var explain = new NpgsqlCommand("EXPLAIN EXECUTE chunk_plan_test (50000)", connection, transaction))
        await using (var reader = await explain.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                plan.Add(reader.GetString(0));
            }
        }

        await transaction.RollbackAsync();
        await using (var deallocate = new NpgsqlCommand("DEALLOCATE chunk_plan_test", connection))
        {
            await deallocate.ExecuteNonQueryAsync();
        }

        Assert.Contains(plan, line => line.Contains("Tid Range Scan on usage_rollup_pending", StringComparison.Ordinal));
    }

    private static async Task<long> MoveAsync(NpgsqlConnection connection, int chunkSize)
    {
        await using var transaction = await connection.BeginTransactionAsync();
        await using var move = new NpgsqlCommand(RollupSql.Move, connection, transaction);
        move.Parameters.Add(new NpgsqlParameter<int> { TypedValue = chunkSize });
        var moved = (long)(await move.ExecuteScalarAsync())!;
        await transaction.CommitAsync();
        return moved;
    }

    private static async Task<long> PendingAsync(NpgsqlConnection connection)
    {
        await using var count = new NpgsqlCommand("SELECT count(*) FROM usage_rollup_pending", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private static async Task Lock(NpgsqlConnection connection, string function)
    {
        await using var command = new NpgsqlCommand($"SELECT {function}($1)", connection);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = RollupSql.RollerLockKey });
        await command.ExecuteNonQueryAsync();
    }
}
