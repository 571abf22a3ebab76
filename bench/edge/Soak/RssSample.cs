namespace Gateway.Bench.Edge.Soak;

/// <summary>The Edge's resident set size at a moment of the soak, with the requests sent so far and those Analytics
/// has recorded of them: a growing gap is usage waiting in the Edge's in-memory queue.</summary>
internal sealed record RssSample(TimeSpan At, double Megabytes, long Sent, long Recorded);
