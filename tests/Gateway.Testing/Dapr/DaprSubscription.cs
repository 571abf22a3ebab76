using System.Text.Json;

namespace Gateway.Testing.Dapr;

/// <summary>One entry of the app's <c>GET /dapr/subscribe</c> answer.</summary>
public sealed record DaprSubscription(string PubsubName, string Topic, string Route, string? DeadLetterTopic, bool RawPayload)
{
    /// <summary>Parses the programmatic subscription list. The route is <c>routes.default</c>, else <c>route</c>, else
    /// the first rule's path (rule matching is not simulated).</summary>
    public static IReadOnlyList<DaprSubscription> ParseList(string json)
    {
        using var document = JsonDocument.Parse(json);
        var subscriptions = new List<DaprSubscription>();
        foreach (var entry in document.RootElement.EnumerateArray())
        {
            var route = String(entry, "route");
            if (entry.TryGetProperty("routes", out var routes) && routes.ValueKind == JsonValueKind.Object)
            {
                route = String(routes, "default") ?? route;
                if (route is null && routes.TryGetProperty("rules", out var rules) && rules.GetArrayLength() > 0)
                {
                    route = String(rules[0], "path");
                }
            }

            var rawPayload = entry.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                && string.Equals(String(metadata, "rawPayload"), "true", StringComparison.OrdinalIgnoreCase);
            subscriptions.Add(new DaprSubscription(
                String(entry, "pubsubName") ?? "",
                String(entry, "topic") ?? "",
                "/" + (route ?? "").TrimStart('/'),
                String(entry, "deadLetterTopic") is { Length: > 0 } deadLetter ? deadLetter : null,
                rawPayload));
        }

        return subscriptions;
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
