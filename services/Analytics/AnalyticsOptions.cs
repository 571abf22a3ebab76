using System.ComponentModel.DataAnnotations;

namespace Gateway.Analytics;

/// <summary>Tunables of the Analytics service (section "Analytics"); the defaults suit production.</summary>
internal sealed record AnalyticsOptions
{
    public const string SectionName = "Analytics";

    /// <summary>How long a gateway key's tenant is remembered after KeyVault resolved it. Short, so that a revoked
    /// key stops working soon, yet long enough that dashboards polling the API do not load KeyVault.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ApiKeyCacheTtl { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The rollup range when a request gives no start time: this long before its end time.</summary>
    [Range(typeof(TimeSpan), "01:00:00", "3660.00:00:00")]
    public TimeSpan DefaultRollupRange { get; init; } = TimeSpan.FromDays(30);

    /// <summary>Days of raw request log kept; older rows are deleted (the hourly rollups are kept). 0 keeps the log
    /// forever.</summary>
    [Range(0, 36_500)]
    public int RequestLogRetention { get; init; } = 90;

    /// <summary>How often the retention job looks for rows to delete.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan RetentionInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Rows deleted per statement by the retention job: small enough to keep each transaction short.</summary>
    [Range(100, 1_000_000)]
    public int RetentionBatchSize { get; init; } = 10_000;
}
