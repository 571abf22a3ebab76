using System.Threading.Channels;

namespace Gateway.Config.Changes;

/// <summary>Fans changes heard by the <see cref="ChangeListener"/> out to every open Watch stream. A null item means
/// "resync": the listener (re)connected and changes before that may have been missed.</summary>
internal sealed class ChangeBroadcaster
{
    // Bounded so a stalled client cannot grow memory without limit; dropping the oldest is safe because the
    // Edge's TTL is the backstop and each event only says "re-read this".
    private const int SubscriberCapacity = 1024;

    private readonly Lock _gate = new();
    private readonly List<Channel<ChangeNotification?>> _subscribers = [];
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

    public ChannelReader<ChangeNotification?> Subscribe()
    {
        var channel = Channel.CreateBounded<ChangeNotification?>(new BoundedChannelOptions(SubscriberCapacity)
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

    public void Unsubscribe(ChannelReader<ChangeNotification?> reader)
    {
        lock (_gate)
        {
            _subscribers.RemoveAll(c => c.Reader == reader);
        }
    }

    public void Publish(ChangeNotification? change)
    {
        lock (_gate)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(change);
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
