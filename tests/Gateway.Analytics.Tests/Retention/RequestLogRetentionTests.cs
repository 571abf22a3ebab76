using Gateway.Contracts.Analytics.V1;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace Gateway.Analytics.Tests.Retention;

[Collection(AnalyticsCollection.Name)]
public sealed class RequestLogRetentionTests(AnalyticsFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_retention_job_deletes_raw_rows_older_than_the_retention_and_keeps_the_rollups()
    {
        var tenant = AnalyticsFixture.NewTenantId("retention");
        var old = DateTime.UtcNow.AddDays(-AnalyticsFixture.RetentionDays - 30);
        var hour = new DateTime(old.Ticks - old.Ticks % TimeSpan.TicksPerHour, DateTimeKind.Utc);
        var recent = UsageEvents.Create(tenant, "0.5", startedAt: DateTime.UtcNow.AddDays(-AnalyticsFixture.RetentionDays + 30));
        await fixture.Ingest.IngestAsync(UsageEvents.Batch(
            UsageEvents.Create(tenant, "1.25", startedAt: hour.AddMinutes(5)),
            UsageEvents.Create(tenant, "2", startedAt: hour.AddMinutes(50)),
            recent), AnalyticsFixture.InternalHeaders);

        // The job runs every second in the test host: wait (bounded) until the old rows are gone.
        var deadline = DateTime.UtcNow + Timeout;
        while (await RawRowsAsync(tenant) != 1)
        {
            Assert.True(DateTime.UtcNow < deadline, "the retention job did not delete the old rows in time");
            await Task.Delay(100);
        }

        var oldHour = await fixture.Query.GetCostRollupAsync(new GetCostRollupRequest
        {
            TenantId = tenant,
            StartTime = Timestamp.FromDateTime(hour),
            EndTime = Timestamp.FromDateTime(hour.AddHours(1)),
        }, AnalyticsFixture.AdminHeaders);
        var log = await fixture.Query.ListRequestsAsync(new ListRequestsRequest { TenantId = tenant }, AnalyticsFixture.AdminHeaders);

        Assert.Equal(("3.25", 2L), (oldHour.Totals.CostUsd, oldHour.Totals.Requests));
        Assert.Equal(recent.EventId, Assert.Single(log.Requests).EventId);
    }

    private async Task<long> RawRowsAsync(string tenant)
    {
        await using var command = fixture.Database.CreateCommand("SELECT count(*) FROM usage_events WHERE tenant_id = $1");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = tenant });
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
