using System.Text.Json;
using Gateway.Contracts;
using Gateway.Contracts.Usage.V1;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace Gateway.Analytics.Queries;

/// <summary>A request-log row (in <see cref="RequestLogQuery"/>'s column order) as the UsageEvent it was stored from.</summary>
internal static class RequestLogRow
{
    public static UsageEvent Read(NpgsqlDataReader reader)
    {
        var usage = new UsageEvent
        {
            EventId = reader.GetGuid(0).ToString(),
            TenantId = reader.GetString(1),
            ApiKeyId = reader.GetString(2),
            VirtualKeyId = reader.GetString(3),
            User = reader.GetString(4),
            Provider = reader.GetString(6),
            Model = reader.GetString(7),
            Endpoint = reader.GetString(8),
            Stream = reader.GetBoolean(9),
            StatusCode = reader.GetInt32(10),
            ErrorType = reader.GetString(11),
            CacheStatus = reader.GetString(12),
            InputTokens = reader.GetInt64(13),
            CachedInputTokens = reader.GetInt64(14),
            CacheWriteTokens = reader.GetInt64(15),
            OutputTokens = reader.GetInt64(16),
            ReasoningTokens = reader.GetInt64(17),
            TokensEstimated = reader.GetBoolean(18),
            CostUsd = ExactDecimal.ToText(reader.GetDecimal(19)),
            SavedCostUsd = ExactDecimal.ToText(reader.GetDecimal(20)),
            PriceVersion = reader.GetString(21),
            Priced = reader.GetBoolean(22),
            StartedAt = Timestamp.FromDateTime(reader.GetDateTime(23)),
            LatencyUs = reader.GetInt64(24),
            TimeToFirstByteUs = reader.GetInt64(25),
            TraceId = reader.GetString(26),
        };

        using (var metadata = JsonDocument.Parse(reader.GetString(5)))
        {
            foreach (var entry in metadata.RootElement.EnumerateObject())
            {
                usage.Metadata[entry.Name] = entry.Value.GetString() ?? "";
            }
        }

        using var attempts = JsonDocument.Parse(reader.GetString(27));
        foreach (var element in attempts.RootElement.EnumerateArray())
        {
            usage.Attempts.Add(new Attempt
            {
                Provider = element.GetProperty("provider").GetString() ?? "",
                Model = element.GetProperty("model").GetString() ?? "",
                Target = element.GetProperty("target").GetString() ?? "",
                StatusCode = element.GetProperty("status_code").GetInt32(),
                LatencyUs = element.GetProperty("latency_us").GetInt64(),
                ErrorType = element.GetProperty("error_type").GetString() ?? "",
            });
        }

        return usage;
    }
}
