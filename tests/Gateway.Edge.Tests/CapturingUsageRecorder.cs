extern alias edge;

using System.Collections.Concurrent;
using Gateway.Contracts.Usage.V1;
using edge::Gateway.Edge.Usage;

namespace Gateway.Edge.Tests;

/// <summary>Replaces the Edge's usage publisher in tests: keeps every event so tests can find theirs by trace id.</summary>
public sealed class CapturingUsageRecorder : IUsageRecorder
{
    private readonly ConcurrentQueue<UsageEvent> _events = new();

    public void Record(UsageEvent usageEvent) => _events.Enqueue(usageEvent);

    public IReadOnlyList<UsageEvent> ForTrace(string traceId) => [.. _events.Where(e => e.TraceId == traceId)];

    /// <summary>The one event of a request. The Edge records after the response is complete, so the client can see
    /// the response a moment before the event exists: wait for it.</summary>
    public async Task<UsageEvent> SingleAsync(string traceId)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (DateTime.UtcNow < deadline)
        {
            var events = ForTrace(traceId);
            if (events.Count > 0)
            {
                // Give a duplicate the chance to show up before asserting there is exactly one.
                await Task.Delay(50);
                return Assert.Single(ForTrace(traceId));
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"No usage event for trace {traceId}.");
    }
}
