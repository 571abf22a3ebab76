using System.Threading.Channels;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Caching;

/// <summary>One answer waiting to be stored. <paramref name="Done"/> runs once it is stored, failed or dropped.</summary>
internal sealed record PendingPut(string TenantId, string Namespace, string Key, byte[] Value, TimeSpan TimeToLive, Action? Done);

/// <summary>Answers waiting to be stored, off the request path: a bounded queue that drops (and counts) new stores when
/// full rather than holding memory or making a request wait. <see cref="CachePutWriter"/> drains it.</summary>
internal sealed class CachePutQueue(IOptions<ResponseCacheOptions> options, ResponseCacheMetrics metrics)
{
    private readonly Channel<PendingPut> _channel = Channel.CreateBounded<PendingPut>(
        new BoundedChannelOptions(options.Value.PutQueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });

    public ChannelReader<PendingPut> Reader => _channel.Reader;

    /// <summary>Queues the store; false (counted, <see cref="PendingPut.Done"/> run) when the queue is full.</summary>
    public bool TryEnqueue(PendingPut put)
    {
        // FullMode.Wait with TryWrite: a full queue refuses the item here instead of silently dropping another one.
        if (_channel.Writer.TryWrite(put))
        {
            return true;
        }

        metrics.Dropped();
        put.Done?.Invoke();
        return false;
    }

    public void Complete() => _channel.Writer.TryComplete();
}
