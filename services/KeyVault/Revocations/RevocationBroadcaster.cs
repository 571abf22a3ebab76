using System.Threading.Channels;

namespace Gateway.KeyVault.Revocations;

/// <summary>Fans revocations heard by the <see cref="RevocationListener"/> out to every open watch stream. A null
/// item means "resync": the listener (re)connected and revocations before that may have been missed.</summary>
internal sealed class RevocationBroadcaster
{
    // Bounded so a stalled client cannot grow memory; dropping the oldest is safe because the Edge's key cache TTL
    // is the backstop and each event only says "forget this".
    private const int SubscriberCapacity = 1024;

    private readonly Lock _gate = new();
    private readonly List<Channel<Revocation?>> _subscribers = [];
    private TaskCompletionSource _live = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the listener is LISTENing, so a READY sent after it is true.</summary>
    public Task Live
    {
        get
        {
            lock (_gate)
            {
                return _live.Task;
            }
        }
    }

    public ChannelReader<Revocation?> Subscribe()
    {
        var channel = Channel.CreateBounded<Revocation?>(new BoundedChannelOptions(SubscriberCapacity)
        {
            FullMode = BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        lock (_gate)
        {
            _subscribers.Add(channel);
        }

        return channel.Reader;
    }

    public void Unsubscribe(ChannelReader<Revocation?> reader)
    {
        lock (_gate)
        {
            _subscribers.RemoveAll(c => c.Reader == reader);
        }
    }

    public void Publish(Revocation? revocation)
    {
        lock (_gate)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(revocation);
            }
        }
    }

    public void MarkLive(bool resync)
    {
        lock (_gate)
        {
            _live.TrySetResult();
        }

        if (resync)
        {
            Publish(null);
        }
    }

    public void MarkDown()
    {
        lock (_gate)
        {
            if (_live.Task.IsCompleted)
            {
                _live = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }
}
