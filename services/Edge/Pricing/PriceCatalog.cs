using Gateway.Contracts.Config.V1;
using Gateway.Edge.Options;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Pricing;

/// <summary>The price book in force, swapped atomically by <see cref="PriceRefresher"/> (reloaded at once on Config's
/// Watch stream), and each tenant's negotiated prices over it (<see cref="TenantPriceBooks"/>, loaded once per tenant
/// after a response is sent). Requests never wait for Config. Built without a Config client (unit tests), every
/// tenant pays list prices.</summary>
internal sealed class PriceCatalog(
    Config.ConfigClient? config = null,
    IOptions<EdgeOptions>? options = null,
    ILogger<PriceCatalog>? logger = null)
{
    private readonly TaskCompletionSource _firstLoad = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TenantPriceBooks? _tenants = config is null
        ? null
        : new TenantPriceBooks(config, options?.Value ?? new EdgeOptions(), logger ?? (ILogger)NullLogger.Instance);

    private volatile PriceBook? _book;

    public PriceBook Current => _book ?? PriceBook.Empty;

    public bool IsLoaded => _book is not null;

    public void Publish(PriceBook book)
    {
        var previous = _book;
        _book = book;
        if (previous is not null && previous.Version != book.Version)
        {
            // Merged books carry the old list prices.
            _tenants?.InvalidateAll();
        }

        _firstLoad.TrySetResult();
    }

    /// <summary>A tenant's prices as known now, without I/O (the admission's estimate): its merged book once loaded,
    /// else the list prices.</summary>
    public PriceBook For(string tenantId) => _tenants?.Cached(tenantId) ?? Current;

    /// <summary>A price or override changed (Watch): every tenant's book is reloaded before its next use.</summary>
    public void InvalidateTenants() => _tenants?.InvalidateAll();

    /// <summary>The book to price a finished request of <paramref name="tenantId"/> with: its negotiated prices over
    /// the list prices, loading them if not yet known. Only called after the response is sent.</summary>
    public async ValueTask<PriceBook> GetAsync(string tenantId, TimeSpan maxWait)
    {
        var global = await GetAsync(maxWait);
        return _tenants is null ? global : await _tenants.GetAsync(tenantId, CancellationToken.None) ?? Current;
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
