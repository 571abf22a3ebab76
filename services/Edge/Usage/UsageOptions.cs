using System.ComponentModel.DataAnnotations;

namespace Gateway.Edge.Usage;

/// <summary>How usage events leave the Edge.</summary>
public sealed record UsageOptions
{
    public const string SectionName = "Usage";

    /// <summary>Auto: Dapr when a sidecar is configured (DAPR_GRPC_ENDPOINT or DAPR_GRPC_PORT), else Direct.</summary>
    public UsageTransport Transport { get; init; } = UsageTransport.Auto;

    public string PubsubName { get; init; } = "pubsub";

    public string Topic { get; init; } = "usage";

    /// <summary>Events per message; each message stays far below Dapr's 4 MB gRPC limit.</summary>
    [Range(1, 2000)]
    public int BatchSize { get; init; } = 500;

    /// <summary>How long a partial batch waits for more events before it is sent.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan FlushInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Events held in memory while the transport is down; beyond this new events are counted as dropped.</summary>
    [Range(1000, 10_000_000)]
    public int QueueCapacity { get; init; } = 200_000;

    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromSeconds(10);
}

public enum UsageTransport
{
    Auto,
    Dapr,
    Direct,
}
