using Gateway.Contracts.Usage.V1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace Gateway.Analytics.Tests;

/// <summary>Realistic usage events for tests.</summary>
internal static class UsageEvents
{
    public static UsageEvent Create(string tenantId, string cost = "0.001", string provider = "openai",
        string model = "gpt-4o-mini", int statusCode = 200, DateTime? startedAt = null) => new()
    {
        EventId = Guid.NewGuid().ToString(),
        TenantId = tenantId,
        ApiKeyId = "key-1",
        VirtualKeyId = "vk-1",
        User = "alice",
        Metadata = { ["team"] = "search", ["env"] = "test" },
        Provider = provider,
        Model = model,
        Endpoint = "/v1/chat/completions",
        Stream = true,
        StatusCode = statusCode,
        ErrorType = statusCode >= 400 ? "upstream_error" : "",
        CacheStatus = "MISS",
        InputTokens = 100,
        CachedInputTokens = 20,
        CacheWriteTokens = 5,
        OutputTokens = 50,
        ReasoningTokens = 10,
        CostUsd = cost,
        SavedCostUsd = "0",
        PriceVersion = "2025-01",
        Priced = true,
        StartedAt = Timestamp.FromDateTime(startedAt ?? DateTime.UtcNow.AddMinutes(-5)),
        LatencyUs = 120_000,
        TimeToFirstByteUs = 30_000,
        TraceId = Guid.NewGuid().ToString("N"),
        Attempts = { new Attempt { Provider = provider, Model = model, Target = "primary", StatusCode = statusCode, LatencyUs = 110_000 } },
    };

    public static UsageBatch Batch(params UsageEvent[] events)
    {
        var batch = new UsageBatch();
        batch.Events.AddRange(events);
        return batch;
    }

    /// <summary>A batch of <paramref name="count"/> events for one tenant.</summary>
    public static UsageBatch Batch(string tenantId, int count, string cost = "0.001")
    {
        var batch = new UsageBatch();
        for (var i = 0; i < count; i++)
        {
            batch.Events.Add(Create(tenantId, cost));
        }

        return batch;
    }

    /// <summary>The batch as the Edge publishes it: protobuf JSON.</summary>
    public static string ToJson(UsageBatch batch) => JsonFormatter.Default.Format(batch);
}
