namespace Gateway.Edge.Pricing;

/// <summary>The price book in force, swapped atomically by <see cref="PriceRefresher"/> (reloaded at once on Config's
/// Watch stream). Requests never call Config.</summary>
internal sealed class PriceCatalog
{
    private readonly TaskCompletionSource _firstLoad = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile PriceBook? _book;

    public PriceBook Current => _book ?? PriceBook.Empty;

    public bool IsLoaded => _book is not null;

    public void Publish(PriceBook book)
    {
        _book = book;
        _firstLoad.TrySetResult();
    }

    /// <summary>The current book; right after start-up, waits up to <paramref name="maxWait"/> for the first load so
    /// the first requests are priced too. Only called after the response is sent, so the wait costs no client time.</summary>
    public async ValueTask<PriceBook> GetAsync(TimeSpan maxWait)
    {
        if (_book is { } book)
        {
            return book;
        }

        try
        {
            await _firstLoad.Task.WaitAsync(maxWait);
        }
        catch (TimeoutException)
        {
            // Config still unreachable: the request is recorded as unpriced rather than held up.
        }

        return Current;
    }
}
