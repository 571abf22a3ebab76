using Gateway.Contracts.Analytics.V1;

namespace Gateway.Analytics.Queries;

/// <summary>A rollup's rows (one per group, most expensive first) and their totals.</summary>
internal sealed record CostRollup(IReadOnlyList<CostRollupRow> Rows, CostRollupRow Totals);
