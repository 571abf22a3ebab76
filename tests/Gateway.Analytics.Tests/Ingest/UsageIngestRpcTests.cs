using System.Globalization;
using Gateway.Contracts.Usage.V1;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Npgsql;

namespace Gateway.Analytics.Tests.Ingest;

[Collection(AnalyticsCollection.Name)]
public sealed class UsageIngestRpcTests(AnalyticsFixture fixture)
{
    [Fact]
    public async Task Ingest_stores_every_field_of_the_events()
    {
        var tenant = AnalyticsFixture.NewTenantId("ingest");
        var usage = UsageEvents.Create(tenant, cost: "0.000123");
        usage.SavedCostUsd = "0.5";
        usage.StartedAt = new Timestamp { Seconds = 1_767_225_600, Nanos = 123_456_000 }; // PostgreSQL keeps microseconds
        usage.Attempts.Insert(0, new Attempt { Provider = "openai", Model = "gpt-4o", Target = "fallback-0", StatusCode = 503, LatencyUs = 5, ErrorType = "timeout" });

        var response = await fixture.Ingest.IngestAsync(UsageEvents.Batch(usage), AnalyticsFixture.InternalHeaders);

        Assert.Equal(1, response.Accepted);
        Assert.Equal(0, response.Duplicates);
        await using var command = fixture.Database.CreateCommand("""
            SELECT tenant_id, requester, metadata->>'team', provider, model, stream, status_code, input_tokens,
                   cached_input_tokens, cache_write_tokens, output_tokens, reasoning_tokens, cost_usd, saved_cost_usd,
                   started_at, latency_us, time_to_first_byte_us, trace_id, jsonb_array_length(attempts),
                   attempts->0->>'error_type', (attempts->0->>'status_code')::int, received_at <= now()
            FROM usage_events WHERE event_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = Guid.Parse(usage.EventId) });
        await using var row = await command.ExecuteReaderAsync();
        Assert.True(await row.ReadAsync());
        Assert.Equal(tenant, row.GetString(0));
        Assert.Equal("alice", row.GetString(1));
        Assert.Equal("search", row.GetString(2));
        Assert.Equal("openai", row.GetString(3));
        Assert.Equal("gpt-4o-mini", row.GetString(4));
        Assert.True(row.GetBoolean(5));
        Assert.Equal(200, row.GetInt32(6));
        Assert.Equal([100L, 20L, 5L, 50L, 10L], [row.GetInt64(7), row.GetInt64(8), row.GetInt64(9), row.GetInt64(10), row.GetInt64(11)]);
        Assert.Equal(0.000123m, row.GetDecimal(12));
        Assert.Equal(0.5m, row.GetDecimal(13));
        Assert.Equal(new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddTicks(1_234_560), row.GetDateTime(14));
        Assert.Equal(120_000L, row.GetInt64(15));
        Assert.Equal(30_000L, row.GetInt64(16));
        Assert.Equal(usage.TraceId, row.GetString(17));
        Assert.Equal(2, row.GetInt32(18));
        Assert.Equal("timeout", row.GetString(19));
        Assert.Equal(503, row.GetInt32(20));
        Assert.True(row.GetBoolean(21));
    }

    [Fact]
    public async Task Every_event_of_a_large_batch_keeps_its_own_metadata_and_attempts()
    {
        // The jsonb values of a batch are written into one growing buffer: each row must get exactly its own slice,
        // also across the buffer's growth, and empty ones must be stored as {} and [].
        var tenant = AnalyticsFixture.NewTenantId("json");
        var batch = new UsageBatch();
        for (var i = 0; i < 300; i++)
        {
            var usage = UsageEvents.Create(tenant);
            usage.Metadata.Clear();
            usage.Attempts.Clear();
            if (i % 5 != 0)
            {
                usage.Metadata["i"] = i.ToString(CultureInfo.InvariantCulture);
                usage.Metadata["pad"] = new string('x', i * 7) + "é😀\"<";
            }

            for (var a = 0; a < i % 4; a++)
            {
                usage.Attempts.Add(new Attempt { Provider = "p", Model = "m", Target = $"t{i}-{a}", StatusCode = 500 + a, LatencyUs = i });
            }

            batch.Events.Add(usage);
        }

        var response = await fixture.Ingest.IngestAsync(batch, AnalyticsFixture.InternalHeaders);

        Assert.Equal(300, response.Accepted);
        await using var command = fixture.Database.CreateCommand("""
            SELECT event_id, metadata = '{}'::jsonb, metadata->>'i', metadata->>'pad', jsonb_array_length(attempts),
                   attempts->-1->>'target', (attempts->-1->>'status_code')::int
            FROM usage_events WHERE tenant_id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        var expected = batch.Events.Select((usage, i) => (Guid.Parse(usage.EventId), i)).ToDictionary();
        var seen = 0;
        await using var row = await command.ExecuteReaderAsync();
        while (await row.ReadAsync())
        {
            var i = expected[row.GetGuid(0)];
            seen++;
            Assert.Equal(i % 5 == 0, row.GetBoolean(1));
            if (i % 5 != 0)
            {
                Assert.Equal(i.ToString(CultureInfo.InvariantCulture), row.GetString(2));
                Assert.Equal(new string('x', i * 7) + "é😀\"<", row.GetString(3));
            }

            Assert.Equal(i % 4, row.GetInt32(4));
            if (i % 4 != 0)
            {
                Assert.Equal($"t{i}-{(i % 4) - 1}", row.GetString(5));
                Assert.Equal(500 + (i % 4) - 1, row.GetInt32(6));
            }
        }

        Assert.Equal(300, seen);
    }

    [Fact]
    public async Task Replaying_a_batch_counts_duplicates_and_leaves_the_rollup_unchanged()
    {
        var tenant = AnalyticsFixture.NewTenantId("replay");
        var batch = UsageEvents.Batch(tenant, 3, cost: "0.25");

        var first = await fixture.Ingest.IngestAsync(batch, AnalyticsFixture.InternalHeaders);
        var before = await fixture.RollupAsync(tenant);
        var replay = await fixture.Ingest.IngestAsync(batch, AnalyticsFixture.InternalHeaders);
        var after = await fixture.RollupAsync(tenant);

        Assert.Equal((3, 0), (first.Accepted, first.Duplicates));
        Assert.Equal((0, 3), (replay.Accepted, replay.Duplicates));
        Assert.Equal(3, after.Totals.Requests);
        Assert.Equal("0.75", after.Totals.CostUsd);
        Assert.Equal(before.Totals, after.Totals);
    }

    [Fact]
    public async Task The_same_batch_delivered_ten_times_concurrently_is_applied_once()
    {
        var tenant = AnalyticsFixture.NewTenantId("concurrent");
        var batch = UsageEvents.Batch(tenant, 5, cost: "0.1");

        var responses = await Task.WhenAll(Enumerable.Range(0, 10)
            .Select(_ => fixture.Ingest.IngestAsync(batch, AnalyticsFixture.InternalHeaders).ResponseAsync));

        Assert.Equal(5, responses.Sum(r => r.Accepted));
        Assert.Equal(45, responses.Sum(r => r.Duplicates));
        var rollup = await fixture.RollupAsync(tenant);
        Assert.Equal(5, rollup.Totals.Requests);
        Assert.Equal("0.5", rollup.Totals.CostUsd);
    }

    [Fact]
    public async Task Duplicate_ids_within_one_batch_are_applied_once()
    {
        var tenant = AnalyticsFixture.NewTenantId("samebatch");
        var usage = UsageEvents.Create(tenant);

        var response = await fixture.Ingest.IngestAsync(UsageEvents.Batch(usage, usage.Clone()), AnalyticsFixture.InternalHeaders);

        Assert.Equal((1, 1), (response.Accepted, response.Duplicates));
    }

    [Fact]
    public async Task An_empty_batch_is_accepted_as_nothing()
    {
        var response = await fixture.Ingest.IngestAsync(new UsageBatch(), AnalyticsFixture.InternalHeaders);

        Assert.Equal((0, 0), (response.Accepted, response.Duplicates));
    }

    [Fact]
    public async Task A_batch_with_an_invalid_event_is_rejected_whole_with_invalid_argument()
    {
        var tenant = AnalyticsFixture.NewTenantId("invalid");
        var invalid = UsageEvents.Create(tenant, cost: "1,5");

        var error = await Assert.ThrowsAsync<RpcException>(() => fixture.Ingest.IngestAsync(
            UsageEvents.Batch(UsageEvents.Create(tenant), invalid), AnalyticsFixture.InternalHeaders).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("events[1].cost_usd", error.Status.Detail, StringComparison.Ordinal);
        Assert.Equal(0, (await fixture.RollupAsync(tenant)).Totals.Requests);
    }

    [Fact]
    public async Task A_value_the_database_cannot_store_is_invalid_argument_not_unavailable()
    {
        var tenant = AnalyticsFixture.NewTenantId("nul");
        var usage = UsageEvents.Create(tenant);
        usage.User = "bad\0user";

        var error = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Ingest.IngestAsync(UsageEvents.Batch(usage), AnalyticsFixture.InternalHeaders).ResponseAsync);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.DoesNotContain("bad", error.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_requires_the_internal_token()
    {
        var batch = UsageEvents.Batch(AnalyticsFixture.NewTenantId("token"), 1);

        var withoutToken = await Assert.ThrowsAsync<RpcException>(() => fixture.Ingest.IngestAsync(batch).ResponseAsync);
        var withAdminToken = await Assert.ThrowsAsync<RpcException>(() =>
            fixture.Ingest.IngestAsync(batch, AnalyticsFixture.AdminHeaders).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, withoutToken.StatusCode);
        Assert.Equal(StatusCode.PermissionDenied, withAdminToken.StatusCode);
    }
}
