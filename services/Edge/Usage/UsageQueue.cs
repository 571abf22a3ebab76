using System.Threading.Channels;
using Gateway.Contracts.Usage.V1;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Usage;

/// <summary>The in-memory hand-off between request handling and <see cref="UsagePublisher"/>. Recording is a
/// non-blocking channel write, so the hot path never waits on the transport.</summary>
internal sealed class UsageQueue(IOptions<UsageOptions> options, UsageMetrics metrics) : IUsageRecorder
{
    private readonly Channel<UsageEvent> _channel = Channel.CreateBounded<UsageEvent>(
        new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            SingleReader = true,
            SingleWriter = false,
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: a full queue refuses instead of evicting
        });

    public ChannelReader<UsageEvent> Reader => _channel.Reader;

    public void Record(UsageEvent usageEvent)
    {
        if (_channel.Writer.TryWrite(usageEvent))
        {
            metrics.Queued();
        }
        else
        {
            metrics.Dropped(1);
        }
    }

    /// <summary>Stops accepting events; the publisher drains what is queued and then finishes.</summary>
    public void Complete() => _channel.Writer.TryComplete();
}
