using System.Diagnostics.Metrics;

namespace Gateway.Edge.Changes;

/// <summary>Counters of the Watch stream, exported through OpenTelemetry (meter "Gateway.Edge.Changes").</summary>
internal sealed class ChangeMetrics : IDisposable
{
    public const string MeterName = "Gateway.Edge.Changes";

    private readonly Meter _meter;
    private readonly Counter<long> _invalidations;
    private readonly Counter<long> _reconnects;

    public ChangeMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _invalidations = _meter.CreateCounter<long>("gateway.edge.cache.invalidations", "{invalidation}",
            "In-process copies dropped (or, on ready, made due for a refresh) because a watch stream reported a change (kind: config, policy, prices, api_key, virtual_key, ready).");
        _reconnects = _meter.CreateCounter<long>("gateway.edge.watch.disconnects", "{disconnect}",
            "Times a watch stream (source: Config, KeyVault) broke and had to be reopened.");
    }

    public void Invalidated(string kind) => _invalidations.Add(1, new KeyValuePair<string, object?>("kind", kind));

    public void Disconnected(string source) => _reconnects.Add(1, new KeyValuePair<string, object?>("source", source));

    public void Dispose() => _meter.Dispose();
}
