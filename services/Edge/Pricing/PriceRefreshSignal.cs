using System.Threading.Channels;

namespace Gateway.Edge.Pricing;

/// <summary>Asks the <see cref="PriceRefresher"/> to reload now instead of at its next interval (Config's Watch
/// stream said the table changed). Requests made while a reload is pending collapse into one.</summary>
internal sealed class PriceRefreshSignal
{
    private readonly Channel<bool> _requests = Channel.CreateBounded<bool>(new BoundedChannelOptions(1)
    {
        FullMode = BoundedChannelFullMode.DropWrite,
        SingleReader = true,
    });

    public void RefreshNow() => _requests.Writer.TryWrite(true);

    /// <summary>Returns after <paramref name="delay"/> or as soon as a refresh is asked for, whichever is first.</summary>
    public async Task WaitAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(delay);
        try
        {
            await _requests.Reader.ReadAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The interval elapsed: a periodic refresh.
        }
    }
}
