namespace Gateway.Testing.Dapr;

/// <summary>How the fake sidecar delivers, in the terms of a Dapr Resiliency policy for the pubsub inbound target.</summary>
public sealed record FakeDaprSidecarOptions
{
    /// <summary>Each published message is delivered this many times, concurrently (Dapr is at-least-once: 2 or more
    /// simulates redelivery and proves the subscriber is idempotent).</summary>
    public int DeliverEachMessageTimes { get; init; } = 1;

    /// <summary>Attempts per delivery (first try included) while the app answers RETRY or fails; then the message
    /// goes to the dead-letter topic, as Dapr does when the retries are exhausted.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>Delay before the second attempt; doubled on each further attempt up to <see cref="MaxRetryDelay"/>.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(100);

    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Per attempt, like Dapr's app channel timeout.</summary>
    public TimeSpan AttemptTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The pub/sub components this sidecar has; publishing to another fails like Dapr (INVALID_ARGUMENT).</summary>
    public IReadOnlyCollection<string> PubsubNames { get; init; } = ["pubsub"];

    /// <summary>When set, sent to the app as the <c>dapr-api-token</c> header (Dapr's APP_API_TOKEN).</summary>
    public string? AppApiToken { get; init; }
}
