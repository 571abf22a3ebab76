using System.Text;

namespace Gateway.Testing.Dapr;

/// <summary>A message the sidecar accepted from a publisher (or from <see cref="FakeDaprSidecar.PublishRawAsync"/>).
/// <see cref="Id"/> is the CloudEvent id, the same on every delivery of the message.</summary>
public sealed record PublishedMessage(string Id, string PubsubName, string Topic, ReadOnlyMemory<byte> Data,
    string DataContentType, IReadOnlyDictionary<string, string> Metadata)
{
    public string DataText => Encoding.UTF8.GetString(Data.Span);
}

/// <summary>What the app's answer meant to Dapr (per attempt), or how a delivery ended (final outcomes).</summary>
public enum DeliveryOutcome
{
    /// <summary>2xx with no status or <c>{"status":"SUCCESS"}</c>: done.</summary>
    Success,

    /// <summary><c>{"status":"RETRY"}</c>: redeliver.</summary>
    Retry,

    /// <summary><c>{"status":"DROP"}</c>: to the dead-letter topic (if the subscription has one), no retry.</summary>
    Drop,

    /// <summary>HTTP 404: dropped like DROP.</summary>
    NotFound,

    /// <summary>Any other status code, an unknown status value, or no answer: redeliver.</summary>
    Error,

    /// <summary>Final only: the app has no subscription for the topic; the message is acknowledged and discarded.</summary>
    NoSubscriber,

    /// <summary>Final only: every attempt asked for a retry or failed; the message went to the dead-letter topic.</summary>
    RetriesExhausted,
}

/// <summary>One POST of a message to the app.</summary>
public sealed record DeliveryAttempt(string MessageId, int Delivery, int Attempt, DeliveryOutcome Outcome, int? StatusCode);

/// <summary>How one delivery of a message ended (a message has <see cref="FakeDaprSidecarOptions.DeliverEachMessageTimes"/>).</summary>
public sealed record DeliveryResult(string MessageId, int Delivery, DeliveryOutcome Outcome, int Attempts);

/// <summary>A message moved to its subscription's dead-letter topic.</summary>
public sealed record DeadLetteredMessage(PublishedMessage Message, string DeadLetterTopic, DeliveryOutcome Reason);
