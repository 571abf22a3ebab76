namespace Gateway.Analytics.Queries;

/// <summary>The dimensions a rollup can be grouped or filtered by.</summary>
[Flags]
internal enum RollupDimensions
{
    None = 0,
    Provider = 1,
    Model = 2,
    User = 4,
    ApiKey = 8,
    VirtualKey = 16,
    Metadata = 32,
}

/// <summary>UTC time buckets of a rollup's series; <see cref="None"/> means no series.</summary>
internal enum RollupGranularity
{
    None,
    Hour,
    Day,
    Month,
}

/// <summary>Which requests a rollup counts: each non-empty list is "any of", every metadata entry must match.</summary>
internal sealed record RollupFilter(
    IReadOnlyList<string> Providers,
    IReadOnlyList<string> Models,
    IReadOnlyList<string> Users,
    IReadOnlyList<string> ApiKeyIds,
    IReadOnlyList<string> VirtualKeyIds,
    IReadOnlyDictionary<string, string> Metadata)
{
    public static readonly RollupFilter None = new([], [], [], [], [], new Dictionary<string, string>());
}

/// <summary>A validated rollup question for one tenant over [Start, End) (UTC).</summary>
internal sealed record RollupSpec(
    string TenantId,
    DateTime Start,
    DateTime End,
    RollupDimensions GroupBy,
    string MetadataKey,
    RollupGranularity Granularity,
    RollupFilter Filter)
{
    /// <summary>Metadata is not kept in the rollups: grouping or filtering by it reads the request log.</summary>
    public bool NeedsRequestLog => GroupBy.HasFlag(RollupDimensions.Metadata) || Filter.Metadata.Count > 0;
}
