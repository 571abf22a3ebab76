using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Edge.Tests.Resilience;

/// <summary>Totals of one Edge's long counters by name and by the value of one tag (e.g. invalidations by kind).</summary>
public sealed class EdgeCounters : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<(string Name, string Tag), long> _totals = new();

    public EdgeCounters(IServiceProvider edgeServices, string tagName, params string[] names)
    {
        var meters = edgeServices.GetRequiredService<IMeterFactory>();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Scope == meters && names.Contains(instrument.Name))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var tag = "";
            foreach (var pair in tags)
            {
                tag = pair.Key == tagName ? pair.Value as string ?? "" : tag;
            }

            _totals.AddOrUpdate((instrument.Name, tag), value, (_, total) => total + value);
        });
        _listener.Start();
    }

    public long Total(string name, string tag) => _totals.TryGetValue((name, tag), out var total) ? total : 0;

    public IEnumerable<string> Tags(string name) => _totals.Keys.Where(k => k.Name == name).Select(k => k.Tag);

    public async Task WaitForAsync(string name, string tag, long atLeast, string what)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (Total(name, tag) < atLeast)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited too long for {what} ({name} {tag}: {Total(name, tag)} of {atLeast}).");
            }

            await Task.Delay(10);
        }
    }

    public void Dispose() => _listener.Dispose();
}
