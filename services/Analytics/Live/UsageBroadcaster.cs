using System.Collections.Immutable;
using System.Threading.Channels;
using Gateway.Contracts.Usage.V1;

namespace Gateway.Analytics.Live;

/// <summary>In-process fan-out of stored usage events to WatchUsage streams, per tenant. It sees only what this
/// replica ingested: with several replicas behind one subscription, the ingest path would have to publish through
/// PostgreSQL LISTEN/NOTIFY (or a pub/sub topic) instead.</summary>
internal sealed class UsageBroadcaster
{
    /// <summary>Events buffered per watcher; a watcher that falls further behind loses the oldest ones, so a slow
    /// client never slows ingest.</summary>
    private const int WatcherBuffer = 1024;

    private readonly Lock _gate = new();

    // Copy-on-write under _gate: (un)subscribing is rare, publishing reads the current snapshot without locking.
    private ImmutableDictionary<string, ImmutableArray<Channel<UsageEvent>>> _watchers =
        ImmutableDictionary.Create<string, ImmutableArray<Channel<UsageEvent>>>(StringComparer.Ordinal);

    /// <summary>True when nobody watches anything: the ingest path then skips the fan-out entirely.</summary>
    public bool IsIdle => Volatile.Read(ref _watchers).IsEmpty;

    /// <summary>Starts watching a tenant; dispose the result to stop.</summary>
    public Subscription Subscribe(string tenantId)
    {
        var channel = Channel.CreateBounded<UsageEvent>(new BoundedChannelOptions(WatcherBuffer)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_gate)
        {
            var current = _watchers.GetValueOrDefault(tenantId, []);
            Volatile.Write(ref _watchers, _watchers.SetItem(tenantId, current.Add(channel)));
        }

        return new Subscription(this, tenantId, channel);
    }

    public void Publish(UsageEvent usage)
    {
        if (Volatile.Read(ref _watchers).TryGetValue(usage.TenantId, out var channels))
        {
            foreach (var channel in channels)
            {
                channel.Writer.TryWrite(usage);
            }
        }
    }

    private void Unsubscribe(string tenantId, Channel<UsageEvent> channel)
    {
        channel.Writer.TryComplete();
        lock (_gate)
        {
            if (_watchers.TryGetValue(tenantId, out var channels))
            {
                var remaining = channels.Remove(channel);
                Volatile.Write(ref _watchers, remaining.IsEmpty ? _watchers.Remove(tenantId) : _watchers.SetItem(tenantId, remaining));
            }
        }
    }

    internal sealed class Subscription(UsageBroadcaster owner, string tenantId, Channel<UsageEvent> channel) : IDisposable
    {
        public ChannelReader<UsageEvent> Events => channel.Reader;

        public void Dispose() => owner.Unsubscribe(tenantId, channel);
    }
}
