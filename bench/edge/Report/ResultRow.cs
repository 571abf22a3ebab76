using Gateway.Bench.Edge.Load;

namespace Gateway.Bench.Edge.Report;

/// <summary>One line of the table: the same load direct to the upstream (when that makes sense) and through the Edge,
/// with the target for this line and whether it was met.</summary>
internal sealed record ResultRow(string Scenario, string Concurrency, LoadResult? Direct, LoadResult Edge, string Target = "", bool? Met = null)
{
    public double AddedP50 => Direct is null ? double.NaN : Edge.P50 - Direct.P50;

    public double AddedP99 => Direct is null ? double.NaN : Edge.P99 - Direct.P99;
}
