namespace Gateway.Analytics.Queries;

/// <summary>The dimensions a rollup is grouped by.</summary>
[Flags]
internal enum RollupGrouping
{
    Provider = 1,
    Model = 2,
    ProviderAndModel = Provider | Model,
}
