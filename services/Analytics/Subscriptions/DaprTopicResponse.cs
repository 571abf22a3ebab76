using System.Text.Json.Serialization;

namespace Gateway.Analytics.Subscriptions;

/// <summary>The body Dapr reads from a subscriber: SUCCESS (done), RETRY (redeliver), DROP (dead-letter).</summary>
internal sealed record DaprTopicResponse(string Status)
{
    public static readonly DaprTopicResponse Success = new("SUCCESS");
    public static readonly DaprTopicResponse Retry = new("RETRY");
    public static readonly DaprTopicResponse Drop = new("DROP");
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(DaprTopicResponse))]
[JsonSerializable(typeof(string))]
internal sealed partial class SubscriptionJsonContext : JsonSerializerContext;
