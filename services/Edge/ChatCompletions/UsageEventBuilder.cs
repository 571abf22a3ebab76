using System.Diagnostics;
using Gateway.Contracts;
using Gateway.Contracts.Usage.V1;
using Gateway.Edge.Pricing;
using Google.Protobuf.WellKnownTypes;

namespace Gateway.Edge.ChatCompletions;

/// <summary>Turns a finished request into its one usage event, pricing its tokens with the book in force.</summary>
internal static class UsageEventBuilder
{
    /// <summary>Exact decimal, invariant culture, no exponent and no trailing zeros ("0.000435", "0").</summary>
    public static UsageEvent Build(RequestRecord record, PriceBook prices, long endTimestamp) => Build(record, prices, endTimestamp, out _);

    /// <param name="cost">The event's cost, exact (what the admission settles).</param>
    public static UsageEvent Build(RequestRecord record, PriceBook prices, long endTimestamp, out decimal cost)
    {
        var usage = record.Usage ?? default;
        var rate = FindRate(record, prices);
        cost = rate?.Cost(usage) ?? 0m;

        var usageEvent = new UsageEvent
        {
            EventId = Guid.CreateVersion7().ToString(),
            TenantId = record.Caller?.TenantId ?? "",
            ApiKeyId = record.Caller?.ApiKeyId ?? "",
            VirtualKeyId = record.VirtualKeyId,
            User = record.User,
            Provider = record.Provider,
            Model = record.Model.Length > 0 ? record.Model : record.Answer.ServedModel,
            Endpoint = record.Endpoint,
            Stream = record.Stream,
            StatusCode = record.StatusCode,
            ErrorType = record.ErrorType,
            CacheStatus = record.CacheStatus,
            InputTokens = usage.Input,
            CachedInputTokens = usage.CachedInput,
            CacheWriteTokens = usage.CacheWrite,
            OutputTokens = usage.Output,
            ReasoningTokens = usage.Reasoning,
            TokensEstimated = record.TokensEstimated,
            CostUsd = ExactDecimal.ToText(cost),
            SavedCostUsd = record.SavedCostUsd > 0 ? ExactDecimal.ToText(record.SavedCostUsd) : "",
            PriceVersion = prices.Version,
            Priced = rate is not null,
            StartedAt = Timestamp.FromDateTime(record.StartedAt),
            LatencyUs = Microseconds(endTimestamp - record.StartTimestamp),
            TimeToFirstByteUs = record.FirstByteTimestamp is { } first ? Microseconds(first - record.StartTimestamp) : 0,
            TraceId = record.TraceId,
        };

        if (record.Metadata is { Count: > 0 } metadata)
        {
            foreach (var (key, value) in metadata)
            {
                usageEvent.Metadata[key] = value;
            }
        }

        var attempts = record.Attempts;
        for (var i = 0; i < attempts.Count; i++)
        {
            var attempt = attempts[i];
            var served = i == attempts.Count - 1;
            var model = attempt.Model.Length > 0 ? attempt.Model : record.Model;
            usageEvent.Attempts.Add(new Attempt
            {
                Provider = attempt.Provider.Length > 0 ? attempt.Provider : record.Provider,
                // The last attempt names what served it, when the provider said (a dated snapshot, Azure's model behind a deployment).
                Model = served && record.Answer.ServedModel.Length > 0 ? record.Answer.ServedModel : model,
                Target = attempt.Target,
                StatusCode = attempt.StatusCode,
                LatencyUs = Microseconds(attempt.LatencyTicks),
                ErrorType = attempt.ErrorType,
            });
        }

        return usageEvent;
    }

    /// <summary>The requested model's price; when it has none (an Azure deployment name, an alias), the price of the
    /// model the provider says served the request. The event keeps naming the requested model either way.</summary>
    private static Pricing.ModelRate? FindRate(RequestRecord record, PriceBook prices)
    {
        var rate = record.Model.Length > 0 ? prices.Find(record.Provider, record.Model) : null;
        var served = record.Answer.ServedModel;
        if (rate is null && served.Length > 0 && served != record.Model)
        {
            rate = prices.Find(record.Provider, served);
        }

        return rate;
    }

    private static long Microseconds(long stopwatchTicks) => stopwatchTicks * 1_000_000 / Stopwatch.Frequency;
}
