using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Routing;

/// <summary>One breaker per routing target (tenant plus virtual key, or provider plus base URL): closed until
/// <see cref="RoutingOptions.BreakerFailureThreshold"/> consecutive failures, then open for
/// <see cref="RoutingOptions.BreakerCoolDown"/>, then half-open: exactly one probe goes through, and its outcome
/// closes or reopens the breaker.</summary>
internal sealed class CircuitBreakers(IOptions<RoutingOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, Breaker> _breakers = new(StringComparer.Ordinal);
    private readonly RoutingOptions _options = options.Value;

    public static string Key(string tenantId, string? virtualKey, string provider, string? baseUrl) => virtualKey is { Length: > 0 }
        ? string.Concat(tenantId, "\nvk:", virtualKey)
        : string.Concat(tenantId, "\np:", provider, "\n", baseUrl ?? "");

    /// <summary>False while the breaker would reject a call (open, or half-open with its probe in flight); no side effects.</summary>
    public bool IsAvailable(string key) => !_breakers.TryGetValue(key, out var breaker) || breaker.IsAvailable(time.GetUtcNow(), _options);

    /// <summary>Asks to call the target. When true, the caller must <see cref="Report"/> the outcome (or abandon it).</summary>
    public bool TryAcquire(string key) => _breakers.GetOrAdd(key, static _ => new Breaker()).TryAcquire(time.GetUtcNow(), _options);

    /// <param name="failed">True for a failure of the provider (5xx, 429, timeout, connection error); false for any
    /// other answer; null when the call ended without telling (the client left): the probe slot is freed.</param>
    public void Report(string key, bool? failed)
    {
        if (_breakers.TryGetValue(key, out var breaker))
        {
            breaker.Report(failed, time.GetUtcNow(), _options);
        }
    }

    public BreakerState StateOf(string key) =>
        _breakers.TryGetValue(key, out var breaker) ? breaker.StateAt(time.GetUtcNow(), _options) : BreakerState.Closed;

    private sealed class Breaker
    {
        private readonly Lock _lock = new();
        private int _failures;
        private DateTimeOffset? _openedAt;
        private bool _probeInFlight;

        public bool IsAvailable(DateTimeOffset now, RoutingOptions options)
        {
            lock (_lock)
            {
                return _openedAt is not { } opened || (now - opened >= options.BreakerCoolDown && !_probeInFlight);
            }
        }

        public BreakerState StateAt(DateTimeOffset now, RoutingOptions options)
        {
            lock (_lock)
            {
                return _openedAt is not { } opened ? BreakerState.Closed
                    : now - opened >= options.BreakerCoolDown ? BreakerState.HalfOpen
                    : BreakerState.Open;
            }
        }

        public bool TryAcquire(DateTimeOffset now, RoutingOptions options)
        {
            lock (_lock)
            {
                if (_openedAt is not { } opened)
                {
                    return true;
                }

                if (now - opened < options.BreakerCoolDown || _probeInFlight)
                {
                    return false;
                }

                _probeInFlight = true;
                return true;
            }
        }

        public void Report(bool? failed, DateTimeOffset now, RoutingOptions options)
        {
            lock (_lock)
            {
                var wasProbe = _probeInFlight;
                _probeInFlight = false;
                switch (failed)
                {
                    case null:
                        return;
                    case false:
                        _failures = 0;
                        _openedAt = null;
                        return;
                    default:
                        if (wasProbe)
                        {
                            _openedAt = now;
                            return;
                        }

                        // Calls that were already in flight when the breaker opened do not extend the cool-down.
                        if (_openedAt is null && ++_failures >= options.BreakerFailureThreshold)
                        {
                            _openedAt = now;
                        }

                        return;
                }
            }
        }
    }
}

internal enum BreakerState
{
    Closed,
    Open,
    HalfOpen,
}
