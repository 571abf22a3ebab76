using System.Diagnostics.Metrics;

namespace Gateway.Edge.Caching;

/// <summary>Counters of the response cache, exported through OpenTelemetry (meter "Gateway.Edge.Cache").</summary>
internal sealed class ResponseCacheMetrics : IDisposable
{
    public const string MeterName = "Gateway.Edge.Cache";

    private readonly Meter _meter;
    private readonly Counter<long> _hits;
    private readonly Counter<long> _misses;
    private readonly Counter<long> _refreshes;
    private readonly Counter<long> _coalesced;
    private readonly Counter<long> _hotHits;
    private readonly Counter<double> _savedCost;
    private readonly Counter<long> _errors;
    private readonly Counter<long> _oversized;
    private readonly Counter<long> _stored;
    private readonly Counter<long> _dropped;

    public ResponseCacheMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _hits = _meter.CreateCounter<long>("gateway.cache.hits", "{request}", "Requests answered from the cache (coalesced ones included).");
        _misses = _meter.CreateCounter<long>("gateway.cache.misses", "{request}");
        _refreshes = _meter.CreateCounter<long>("gateway.cache.refreshes", "{request}");
        _coalesced = _meter.CreateCounter<long>("gateway.cache.coalesced", "{request}",
            "Requests that waited for an identical in-flight request's answer instead of calling the provider.");
        _hotHits = _meter.CreateCounter<long>("gateway.cache.hot_hits", "{request}",
            "Hits answered from the Edge's in-process hot tier, without a Cache service call (counted in hits too).");
        _savedCost = _meter.CreateCounter<double>("gateway.cache.saved_cost", "USD", "Provider cost avoided by cache hits.");
        _errors = _meter.CreateCounter<long>("gateway.cache.errors", "{call}",
            "Cache service calls that failed or timed out (the request went on uncached).");
        _oversized = _meter.CreateCounter<long>("gateway.cache.oversized", "{answer}", "Answers too large to cache.");
        _stored = _meter.CreateCounter<long>("gateway.cache.stored", "{answer}");
        _dropped = _meter.CreateCounter<long>("gateway.cache.puts.dropped", "{answer}", "Answers not cached because the store queue was full.");
    }

    public void Hit() => _hits.Add(1);

    public void Miss() => _misses.Add(1);

    public void Refresh() => _refreshes.Add(1);

    public void Coalesced() => _coalesced.Add(1);

    public void HotHit() => _hotHits.Add(1);

    /// <summary>Called by the request path with the priced usage of the stored answer.</summary>
    public void Saved(decimal costUsd)
    {
        if (costUsd > 0)
        {
            _savedCost.Add((double)costUsd);
        }
    }

    public void Error(string operation) => _errors.Add(1, new KeyValuePair<string, object?>("operation", operation));

    public void Oversized() => _oversized.Add(1);

    public void Stored() => _stored.Add(1);

    public void Dropped() => _dropped.Add(1);

    public void Dispose() => _meter.Dispose();
}
