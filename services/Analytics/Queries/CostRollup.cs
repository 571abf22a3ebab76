using Gateway.Contracts.Analytics.V1;

namespace Gateway.Analytics.Queries;

/// <summary>A rollup's rows (one per group, most expensive first), its series (per time bucket and group, oldest
/// bucket first; empty without a granularity) and the totals.</summary>
internal sealed record CostRollup(IReadOnlyList<CostRollupRow> Rows, IReadOnlyList<CostRollupRow> Series, CostRollupRow Totals);
