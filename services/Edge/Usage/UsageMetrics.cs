using System.Diagnostics.Metrics;

namespace Gateway.Edge.Usage;

/// <summary>Counters for the usage pipeline, exported through OpenTelemetry (meter "Gateway.Edge.Usage").</summary>
internal sealed class UsageMetrics : IDisposable
{
    public const string MeterName = "Gateway.Edge.Usage";

    private readonly Meter _meter;
    private readonly Counter<long> _queued;
    private readonly Counter<long> _published;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _sendFailures;

    public UsageMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _queued = _meter.CreateCounter<long>("gateway.usage.events.queued", "{event}");
        _published = _meter.CreateCounter<long>("gateway.usage.events.published", "{event}");
        _dropped = _meter.CreateCounter<long>("gateway.usage.events.dropped", "{event}",
            "Events lost because the queue was full or the Edge stopped before they could be delivered.");
        _sendFailures = _meter.CreateCounter<long>("gateway.usage.send.failures", "{attempt}");
    }

    public void Queued() => _queued.Add(1);

    public void Published(int count) => _published.Add(count);

    public void Dropped(int count) => _dropped.Add(count);

    public void SendFailed() => _sendFailures.Add(1);

    public void Dispose() => _meter.Dispose();
}
