namespace Gateway.Bench.Edge.Load;

/// <summary>What one fixed-duration run measured. Latencies in milliseconds; <see cref="Errors"/> counts socket
/// errors, timeouts and non-2xx answers together.</summary>
internal sealed record LoadResult(double RequestsPerSecond, double P50, double P99, double P999, long Requests, long Errors);
