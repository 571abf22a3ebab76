namespace Gateway.Analytics.Rollups;

/// <summary>Wakes the roller when this process has queued pending rows, so rollups follow ingest without waiting
/// for the poll interval. Repeated signals before the roller wakes collapse into one.</summary>
internal sealed class RollupSignal : IDisposable
{
    private readonly SemaphoreSlim _pending = new(0, 1);

    public void Notify()
    {
        try
        {
            _pending.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already signalled: the roller's next pass takes these rows too.
        }
    }

    /// <summary>Waits for a signal or the timeout, whichever comes first.</summary>
    public Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _pending.WaitAsync(timeout, cancellationToken);

    public void Dispose() => _pending.Dispose();
}
