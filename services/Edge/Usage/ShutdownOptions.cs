using System.ComponentModel.DataAnnotations;

namespace Gateway.Edge.Usage;

/// <summary>The Edge's stop sequence (section <c>Edge:Shutdown</c>): the server stops accepting connections and lets
/// in-flight requests finish for up to <see cref="DrainTimeout"/> (the host's shutdown timeout); only then does the
/// usage publisher deliver what is still queued, for up to <see cref="UsageFlushTimeout"/> of its own. Keep the sum
/// below the orchestrator's grace period (Kubernetes' terminationGracePeriodSeconds, 30 s in deploy/kubernetes).</summary>
public sealed record ShutdownOptions
{
    public const string SectionName = "Edge:Shutdown";

    /// <summary>How long requests in flight when shutdown begins may take to finish before they are cut off.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How long queued usage events may take to be delivered once the requests have drained; what is still
    /// undelivered then is counted as dropped and logged.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:10:00")]
    public TimeSpan UsageFlushTimeout { get; init; } = TimeSpan.FromSeconds(8);
}
