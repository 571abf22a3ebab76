using System.Diagnostics.Metrics;

namespace Gateway.Edge.Limits;

/// <summary>OpenTelemetry counters of the limits (exported with every <c>Gateway.*</c> meter). Tags are low
/// cardinality on purpose: no tenant ids.</summary>
internal sealed class LimitsMetrics
{
    public const string MeterName = "Gateway.Edge.Limits";
    public const string FailOpenName = "gateway.limits.fail_open";
    public const string RefusedName = "gateway.limits.refused";

    private readonly Counter<long> _failOpen;
    private readonly Counter<long> _refused;

    public LimitsMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _failOpen = meter.CreateCounter<long>(FailOpenName, "{operation}",
            "Admissions and settles that went through without their limits because Redis was unavailable.");
        _refused = meter.CreateCounter<long>(RefusedName, "{request}", "Requests refused by a rate limit or the monthly budget.");
    }

    /// <param name="operation"><c>admit</c> or <c>settle</c>.</param>
    /// <param name="reason"><c>redis_unavailable</c>, <c>redis_not_configured</c> or <c>policy_unavailable</c>.</param>
    public void FailedOpen(string operation, string reason) =>
        _failOpen.Add(1, new KeyValuePair<string, object?>("operation", operation), new KeyValuePair<string, object?>("reason", reason));

    /// <param name="reason"><c>rate_limit</c> or <c>budget</c>.</param>
    public void Refused(string reason) => _refused.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
