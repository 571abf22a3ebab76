using Gateway.Contracts;
using Gateway.Contracts.Usage.V1;

namespace Gateway.Analytics.Ingest;

/// <summary>The fields of a <see cref="UsageEvent"/> that need parsing, already parsed.</summary>
internal readonly record struct ValidatedUsageEvent(Guid EventId, decimal CostUsd, decimal SavedCostUsd, DateTime StartedAt);

/// <summary>Checks one event before anything is written. Messages name the field and the event's position in the
/// batch but never echo values: the payload may carry user data.</summary>
internal static class UsageEventValidator
{
    // Timestamp's valid range (0001-01-01 to 9999-12-31), as documented in timestamp.proto.
    private const long MinTimestampSeconds = -62_135_596_800;
    private const long MaxTimestampSeconds = 253_402_300_799;

    public static ValidatedUsageEvent Validate(UsageEvent usage, int index)
    {
        if (!Guid.TryParse(usage.EventId, out var eventId) || eventId == Guid.Empty)
        {
            throw Invalid(index, "event_id", "is not a UUID");
        }

        if (string.IsNullOrWhiteSpace(usage.TenantId))
        {
            throw Invalid(index, "tenant_id", "is empty");
        }

        RequireNonNegative(usage.InputTokens, index, "input_tokens");
        RequireNonNegative(usage.CachedInputTokens, index, "cached_input_tokens");
        RequireNonNegative(usage.CacheWriteTokens, index, "cache_write_tokens");
        RequireNonNegative(usage.OutputTokens, index, "output_tokens");
        RequireNonNegative(usage.ReasoningTokens, index, "reasoning_tokens");
        RequireNonNegative(usage.LatencyUs, index, "latency_us");
        RequireNonNegative(usage.TimeToFirstByteUs, index, "time_to_first_byte_us");

        var startedAt = usage.StartedAt;
        if (startedAt is null)
        {
            throw Invalid(index, "started_at", "is not set");
        }

        if (startedAt.Seconds is < MinTimestampSeconds or > MaxTimestampSeconds || startedAt.Nanos is < 0 or > 999_999_999)
        {
            throw Invalid(index, "started_at", "is out of range");
        }

        return new ValidatedUsageEvent(
            eventId,
            ParseMoney(usage.CostUsd, index, "cost_usd"),
            ParseMoney(usage.SavedCostUsd, index, "saved_cost_usd"),
            startedAt.ToDateTime());
    }

    /// <summary>An exact, non-negative invariant-culture decimal ("0.000123"); empty means zero.</summary>
    private static decimal ParseMoney(string text, int index, string field)
    {
        return ExactDecimal.TryParse(text, out var value)
            ? value
            : throw Invalid(index, field, "is not a non-negative decimal such as \"0.000123\"");
    }

    private static void RequireNonNegative(long value, int index, string field)
    {
        if (value < 0)
        {
            throw Invalid(index, field, "is negative");
        }
    }

    private static InvalidUsageException Invalid(int index, string field, string problem) =>
        new($"events[{index}].{field} {problem}.");
}
