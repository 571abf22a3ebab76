using Gateway.Analytics.Ingest;
using Gateway.Contracts.Usage.V1;
using Google.Protobuf.WellKnownTypes;

namespace Gateway.Analytics.Tests.Ingest;

public sealed class UsageEventValidatorTests
{
    public static TheoryData<string, string> InvalidEvents => new()
    {
        { "event_id=not-a-uuid", "events[0].event_id" },
        { "event_id=00000000-0000-0000-0000-000000000000", "events[0].event_id" },
        { "event_id=", "events[0].event_id" },
        { "tenant_id=", "events[0].tenant_id" },
        { "tenant_id= ", "events[0].tenant_id" },
        { "cost_usd=abc", "events[0].cost_usd" },
        { "cost_usd=-0.1", "events[0].cost_usd" },
        { "cost_usd=1e-3", "events[0].cost_usd" },
        { "cost_usd=1,000.5", "events[0].cost_usd" },
        { "saved_cost_usd=NaN", "events[0].saved_cost_usd" },
        { "input_tokens=-1", "events[0].input_tokens" },
        { "cached_input_tokens=-1", "events[0].cached_input_tokens" },
        { "cache_write_tokens=-1", "events[0].cache_write_tokens" },
        { "output_tokens=-1", "events[0].output_tokens" },
        { "reasoning_tokens=-1", "events[0].reasoning_tokens" },
        { "latency_us=-1", "events[0].latency_us" },
        { "started_at=unset", "events[0].started_at" },
        { "started_at=out-of-range", "events[0].started_at" },
    };

    [Theory]
    [MemberData(nameof(InvalidEvents))]
    public void Invalid_fields_are_reported_by_name(string change, string expectedField)
    {
        var usage = Apply(UsageEvents.Create("tenant-a"), change);

        var error = Assert.Throws<InvalidUsageException>(() => UsageEventValidator.Validate(usage, 0));

        Assert.StartsWith(expectedField + " ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_money_is_zero_and_decimals_are_exact()
    {
        var usage = UsageEvents.Create("tenant-a", cost: "0.000000000000000000000001");
        usage.SavedCostUsd = "";

        var parsed = UsageEventValidator.Validate(usage, 0);

        Assert.Equal(0.000000000000000000000001m, parsed.CostUsd);
        Assert.Equal(0m, parsed.SavedCostUsd);
        Assert.Equal(Guid.Parse(usage.EventId), parsed.EventId);
        Assert.Equal(DateTimeKind.Utc, parsed.StartedAt.Kind);
    }

    [Fact]
    public void The_position_of_the_bad_event_is_named()
    {
        var usage = UsageEvents.Create("");

        var error = Assert.Throws<InvalidUsageException>(() => UsageEventValidator.Validate(usage, 7));

        Assert.Equal("events[7].tenant_id is empty.", error.Message);
    }

    private static UsageEvent Apply(UsageEvent usage, string change)
    {
        var (field, value) = (change[..change.IndexOf('=')], change[(change.IndexOf('=') + 1)..]);
        switch (field)
        {
            case "event_id": usage.EventId = value; break;
            case "tenant_id": usage.TenantId = value; break;
            case "cost_usd": usage.CostUsd = value; break;
            case "saved_cost_usd": usage.SavedCostUsd = value; break;
            case "input_tokens": usage.InputTokens = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture); break;
            case "cached_input_tokens": usage.CachedInputTokens = -1; break;
            case "cache_write_tokens": usage.CacheWriteTokens = -1; break;
            case "output_tokens": usage.OutputTokens = -1; break;
            case "reasoning_tokens": usage.ReasoningTokens = -1; break;
            case "latency_us": usage.LatencyUs = -1; break;
            case "started_at" when value == "unset": usage.StartedAt = null; break;
            case "started_at": usage.StartedAt = new Timestamp { Seconds = long.MaxValue / 2 }; break;
            default: throw new ArgumentException(change);
        }

        return usage;
    }
}
