namespace Gateway.EndToEnd.Tests.Faults;

/// <summary>How long the fault suite keeps a dependency down. <c>GATEWAY_LONG_FAULTS=1</c> runs the long variant.</summary>
internal static class FaultDurations
{
    public static bool Long { get; } = Environment.GetEnvironmentVariable("GATEWAY_LONG_FAULTS") == "1";

    /// <summary>The number, in both variants: the suite still ends within about two to three minutes.</summary>
    public static TimeSpan AnalyticsOutage { get; } = TimeSpan.FromSeconds(30);

    public static TimeSpan PostgresOutage => Long ? TimeSpan.FromSeconds(30) : TimeSpan.FromSeconds(8);

    public static TimeSpan RedisOutage => Long ? TimeSpan.FromSeconds(30) : TimeSpan.FromSeconds(5);

    /// <summary>Deadline for every usage event to land once the dependency is back: generous for a loaded 2-core machine.</summary>
    public static TimeSpan Settle { get; } = TimeSpan.FromSeconds(90);
}
