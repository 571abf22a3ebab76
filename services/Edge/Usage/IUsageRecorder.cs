using Gateway.Contracts.Usage.V1;

namespace Gateway.Edge.Usage;

/// <summary>Takes a finished request's usage event off the hot path: queues it and returns at once. Events are
/// batched and delivered in the background (Dapr pub/sub or Analytics' ingest RPC), retried with backoff and flushed
/// on shutdown.</summary>
public interface IUsageRecorder
{
    void Record(UsageEvent usageEvent);
}
