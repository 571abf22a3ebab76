using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.EndToEnd.Tests.Faults;

/// <summary>Sums one counter of one in-process service host (other hosts in the test process have their own meter
/// factory, so their measurements are not counted).</summary>
internal sealed class HostCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _total;

    public HostCounter(IServiceProvider services, string instrumentName)
    {
        var meters = services.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == instrumentName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _total, value));
        _listener.Start();
    }

    public long Total => Interlocked.Read(ref _total);

    /// <summary>Waits until the counter reached <paramref name="atLeast"/>.</summary>
    public async Task WaitForAsync(long atLeast, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Total < atLeast)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {timeout} for {what}; the counter is at {Total}.");
            }

            await Task.Delay(20);
        }
    }

    public void Dispose() => _listener.Dispose();
}
