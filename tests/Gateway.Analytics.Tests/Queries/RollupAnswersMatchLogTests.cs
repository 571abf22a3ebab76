using System.Globalization;
using Gateway.Analytics.Tests.Ingest;
using Gateway.Contracts;
using Gateway.Contracts.Analytics.V1;
using Gateway.Contracts.Usage.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gateway.Analytics.Tests.Queries;

/// <summary>The request log is the source of truth: whichever rollup tables a question is answered from (and whatever
/// the roller has or has not moved yet), every GetCostRollup answer equals the same question answered from the log
/// alone, and GetTenantSummary equals the log's sums. The log-only answer is the same request with a metadata filter
/// that every event matches (a metadata filter always reads the log); its totals are also checked against the events'
/// own sums, so the reference cannot be wrong in the same way.</summary>
[Collection(AnalyticsCollection.Name)]
public sealed class RollupAnswersMatchLogTests(AnalyticsFixture fixture)
{
    private static readonly DateTime Start = RollupConsistencyTests.RangeStart;
    private static readonly DateTime End = RollupConsistencyTests.RangeEnd;

    /// <summary>Ranges that cut days and hours, whole hours, whole days only, inside one hour, inside one day.</summary>
    private static readonly (DateTime Start, DateTime End)[] Ranges =
    [
        (Start.AddMinutes(17).AddSeconds(3), End.AddMinutes(-41)),
        (Start, End),
        (Start.Date.AddDays(1), End.Date),
        (Start.AddHours(5).AddMinutes(10), Start.AddHours(5).AddMinutes(50)),
        (Start.AddHours(25).AddMinutes(7), Start.AddHours(31).AddMinutes(3)),
    ];

    private static readonly GroupBy[][] Groupings =
    [
        [], [GroupBy.Provider, GroupBy.Model], [GroupBy.Model], [GroupBy.Provider], [GroupBy.User], [GroupBy.ApiKey],
        [GroupBy.VirtualKey], [GroupBy.ApiKey, GroupBy.VirtualKey], [GroupBy.Model, GroupBy.ApiKey],
        [GroupBy.User, GroupBy.Model], [GroupBy.User, GroupBy.ApiKey], [GroupBy.Metadata],
    ];

    private static readonly Granularity[] Granularities = [Granularity.Unspecified, Granularity.Hour, Granularity.Day, Granularity.Month];

    private static readonly Action<UsageFilter>[] Filters =
    [
        f => f.Users.Add(["alice", ""]),
        f => f.Models.Add("gpt-4o"),
        f => f.Providers.Add("anthropic"),
        f => f.ApiKeyIds.Add("key-1"),
        f => f.VirtualKeyIds.Add(["vk-0", ""]),
        f => { f.ApiKeyIds.Add(["key-0", "key-2"]); f.Models.Add(["o3", "gpt-4o-mini"]); },
        f => { f.Users.Add("bob"); f.ApiKeyIds.Add("key-2"); },
        f => f.Metadata["team"] = "ads",
    ];

    [Fact]
    public async Task Every_rollup_answer_and_the_summary_equal_the_request_logs_with_rows_rolled_up_and_pending()
    {
        var tenant = AnalyticsFixture.NewTenantId("answers");
        var events = RollupConsistencyTests.RandomEvents(tenant, 2400, seed: 612);
        var teams = new Random(3);
        foreach (var usage in events)
        {
            // Every event keeps env=test (UsageEvents.Create): the reference filter.
            var team = teams.Next(3);
            if (team == 2)
            {
                usage.Metadata.Remove("team");
            }
            else
            {
                usage.Metadata["team"] = team == 0 ? "search" : "ads";
            }
        }

        // Two thirds rolled up, one third still queued while the first round of questions is asked.
        await IngestAsync(events.Take(1600));
        await fixture.WaitForRollupsAsync(tenant);
        await using (await fixture.PauseRollupsAsync())
        {
            await IngestAsync(events.Skip(1600));
            Assert.Equal(800, await fixture.PendingRowsAsync(tenant));
            await AssertAnswersMatchLogAsync(tenant, events);
        }

        await fixture.WaitForRollupsAsync(tenant);
        await AssertAnswersMatchLogAsync(tenant, events);
    }

    private async Task AssertAnswersMatchLogAsync(string tenant, List<UsageEvent> events)
    {
        var questions = new List<GetCostRollupRequest>();
        foreach (var range in Ranges)
        {
            foreach (var granularity in Granularities)
            {
                foreach (var grouping in Groupings)
                {
                    questions.Add(Question(tenant, range, granularity, grouping, filter: null));
                    questions.Add(Question(tenant, range, granularity, grouping, Filters[questions.Count % Filters.Length]));
                }
            }
        }

        foreach (var chunk in questions.Chunk(8))
        {
            await Task.WhenAll(chunk.Select(question => AssertAnswerMatchesLogAsync(question, events)));
        }

        await AssertSummaryMatchesEventsAsync(tenant, events);
    }

    private async Task AssertAnswerMatchesLogAsync(GetCostRollupRequest question, List<UsageEvent> events)
    {
        var fromLog = question.Clone();
        fromLog.Filter ??= new UsageFilter();
        fromLog.Filter.Metadata["env"] = "test";

        var answer = await fixture.Query.GetCostRollupAsync(question, AnalyticsFixture.AdminHeaders);
        var reference = await fixture.Query.GetCostRollupAsync(fromLog, AnalyticsFixture.AdminHeaders);

        var counted = events.Where(e => Counts(question, e)).ToList();
        Assert.Equal(RollupConsistencyTests.Expected(counted), RollupConsistencyTests.Measures(reference.Totals));
        Assert.True(answer.Equals(reference), $"{question} answered {answer}, the log {reference}");
    }

    /// <summary>Whether the question counts the event: in the range and matching the filter.</summary>
    private static bool Counts(GetCostRollupRequest question, UsageEvent usage)
    {
        var at = usage.StartedAt.ToDateTime();
        var filter = question.Filter ?? new UsageFilter();
        static bool AnyOf(IList<string> values, string value) => values.Count == 0 || values.Contains(value);
        return at >= question.StartTime.ToDateTime() && at < question.EndTime.ToDateTime()
            && AnyOf(filter.Providers, usage.Provider) && AnyOf(filter.Models, usage.Model) && AnyOf(filter.Users, usage.User)
            && AnyOf(filter.ApiKeyIds, usage.ApiKeyId) && AnyOf(filter.VirtualKeyIds, usage.VirtualKeyId)
            && filter.Metadata.All(entry => usage.Metadata.TryGetValue(entry.Key, out var value) && value == entry.Value);
    }

    /// <summary>Month-to-date totals, top models and top users, computed from the events of this month.</summary>
    private async Task AssertSummaryMatchesEventsAsync(string tenant, List<UsageEvent> events)
    {
        var monthStart = new DateTime(DateTime.UtcNow.Year, DateTime.UtcNow.Month, 1, 0, 0, 0, DateTimeKind.Utc);
        var month = events.Where(e => e.StartedAt.ToDateTime() >= monthStart).ToList();
        const int Top = 3;
        static decimal Cost(UsageEvent usage) => decimal.Parse(usage.CostUsd, CultureInfo.InvariantCulture);
        List<(string, long, string)> TopBy(Func<UsageEvent, string> name) => [.. month
            .GroupBy(name)
            .Select(g => (Name: g.Key, Requests: (long)g.Count(), Cost: g.Sum(Cost)))
            .OrderByDescending(g => g.Cost).ThenByDescending(g => g.Requests).ThenBy(g => g.Name, StringComparer.Ordinal)
            .Take(Top)
            .Select(g => (g.Name, g.Requests, ExactDecimal.ToText(g.Cost)))];

        var summary = await fixture.Query.GetTenantSummaryAsync(new GetTenantSummaryRequest { TenantId = tenant, Top = Top },
            AnalyticsFixture.AdminHeaders);

        var expected = RollupConsistencyTests.Expected(month);
        Assert.Equal((expected.Cost, expected.Saved, expected.Requests, expected.Errors),
            (summary.SpendUsd, summary.SavedCostUsd, summary.Requests, summary.Errors));
        Assert.Equal(TopBy(e => e.Model), summary.TopModels.Select(e => (e.Name, e.Requests, e.CostUsd)));
        Assert.Equal(TopBy(e => e.User), summary.TopUsers.Select(e => (e.Name, e.Requests, e.CostUsd)));
    }

    private static GetCostRollupRequest Question(string tenant, (DateTime Start, DateTime End) range, Granularity granularity,
        GroupBy[] grouping, Action<UsageFilter>? filter)
    {
        var question = new GetCostRollupRequest
        {
            TenantId = tenant,
            StartTime = Timestamp.FromDateTime(range.Start),
            EndTime = Timestamp.FromDateTime(range.End),
            Granularity = granularity,
            GroupBy = { grouping },
        };
        if (grouping.Contains(GroupBy.Metadata))
        {
            question.MetadataKey = "team";
        }

        if (filter is not null)
        {
            question.Filter = new UsageFilter();
            filter(question.Filter);
        }

        return question;
    }

    private async Task IngestAsync(IEnumerable<UsageEvent> events)
    {
        foreach (var chunk in events.Chunk(400))
        {
            var response = await fixture.Ingest.IngestAsync(UsageEvents.Batch(chunk), AnalyticsFixture.InternalHeaders);
            Assert.Equal(chunk.Length, response.Accepted);
        }
    }
}
