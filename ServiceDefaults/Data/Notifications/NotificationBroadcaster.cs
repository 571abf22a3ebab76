using System.Threading.Channels;

namespace Gateway.ServiceDefaults.Data.Notifications;

/// <summary>Fans notifications heard by a <see cref="PostgresNotificationListener{T}"/> out to every open watch
/// stream. A null item means "resync": the listener (re)connected and notifications before that may have been missed.</summary>
public sealed class NotificationBroadcaster<T> where T : class
{
    // Bounded so a stalled client cannot grow memory without limit; dropping the oldest is safe because watchers
    // keep a TTL as backstop and each notification only says "re-read (or forget) this".
    private const int SubscriberCapacity = 1024;

    private readonly Lock _gate = new();
    private readonly List<Channel<T?>> _subscribers = [];
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

    public ChannelReader<T?> Subscribe()
    {
        var channel = Channel.CreateBounded<T?>(new BoundedChannelOptions(SubscriberCapacity)
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

    public void Unsubscribe(ChannelReader<T?> reader)
    {
        lock (_gate)
        {
            _subscribers.RemoveAll(c => c.Reader == reader);
        }
    }

    public void Publish(T? notification)
    {
        lock (_gate)
        {
            foreach (var subscriber in _subscribers)
            {
                subscriber.Writer.TryWrite(notification);
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
