using System.Collections.Concurrent;
using Gateway.Contracts.Config.V1;
using Gateway.Edge.Options;
using Grpc.Core;

namespace Gateway.Edge.Pricing;

/// <summary>Tenants' negotiated prices. Overrides are rare, so a tenant costs one <c>GetPrices(tenant)</c> when first
/// priced: a tenant without overrides is remembered as "the global book", one with overrides gets its own merged book
/// (Config's answer, so prefix matching and aliases work exactly as on the list prices). Entries are refreshed after
/// <see cref="EdgeOptions.PriceRefreshInterval"/> (backstop) or after any price change heard on the Watch stream
/// (<see cref="InvalidateAll"/>: overrides are rare, so one extra call per active tenant is cheaper than tracking
/// which call raced which event). While Config is down the previous answer stays in force.
/// <para>Bounded: tenant ids come from resolved gateway keys, so there are only as many as real tenants, and past
/// <see cref="MaxTenants"/> the map starts over.</para></summary>
internal sealed partial class TenantPriceBooks(Config.ConfigClient config, EdgeOptions options, ILogger logger)
{
    public const int MaxTenants = 10_000;

    private static readonly TimeSpan RetryAfterFailure = TimeSpan.FromSeconds(5);
    private static readonly long WarningIntervalMs = (long)TimeSpan.FromSeconds(10).TotalMilliseconds;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Task<PriceBook?>> _loading = new(StringComparer.Ordinal);
    private long _epoch;
    private long _lastWarningMs = long.MinValue / 2;

    /// <summary>The tenant's merged book as last loaded, null when it has no overrides or was never loaded. No I/O.</summary>
    public PriceBook? Cached(string tenantId) => _entries.TryGetValue(tenantId, out var entry) ? entry.Overridden : null;

    /// <summary>The tenant's merged book, or null to price with <paramref name="global"/>; loads it when missing or
    /// due (one call per tenant however many requests wait for it).</summary>
    public async ValueTask<PriceBook?> GetAsync(string tenantId, CancellationToken cancellationToken)
    {
        if (_entries.TryGetValue(tenantId, out var entry) && entry.IsFresh(Environment.TickCount64, Volatile.Read(ref _epoch)))
        {
            return entry.Overridden;
        }

        var load = _loading.GetOrAdd(tenantId, LoadAsync);
        try
        {
            return await load.WaitAsync(cancellationToken);
        }
        finally
        {
            _loading.TryRemove(new KeyValuePair<string, Task<PriceBook?>>(tenantId, load));
        }
    }

    /// <summary>Every tenant is reloaded before its next use (its previous book stays the fallback).</summary>
    public void InvalidateAll() => Interlocked.Increment(ref _epoch);

    private async Task<PriceBook?> LoadAsync(string tenantId)
    {
        // Read before the call: a change heard while it is in flight leaves the answer due again.
        var epoch = Volatile.Read(ref _epoch);
        _entries.TryGetValue(tenantId, out var previous);
        try
        {
            var table = await config.GetPricesAsync(new GetPricesRequest { TenantId = tenantId },
                deadline: DateTime.UtcNow + options.DependencyTimeout);
            var book = HasOverrides(table) ? PriceBook.From(table) : null;
            Store(tenantId, new Entry(book, Environment.TickCount64 + (long)options.PriceRefreshInterval.TotalMilliseconds, epoch));
            return book;
        }
        catch (Exception ex) when (ex is RpcException or FormatException)
        {
            var now = Environment.TickCount64;
            var last = Interlocked.Read(ref _lastWarningMs);
            if (now - last >= WarningIntervalMs && Interlocked.CompareExchange(ref _lastWarningMs, now, last) == last)
            {
                LogLoadFailed(logger, tenantId, ex.Message);
            }

            // Keep pricing as before, and do not ask again for every request while Config is down.
            var fallback = previous?.Overridden;
            Store(tenantId, new Entry(fallback, now + (long)RetryAfterFailure.TotalMilliseconds, epoch));
            return fallback;
        }
    }

    private void Store(string tenantId, Entry entry)
    {
        if (_entries.Count >= MaxTenants && !_entries.ContainsKey(tenantId))
        {
            _entries.Clear();
        }

        _entries[tenantId] = entry;
    }

    private static bool HasOverrides(PriceTable table)
    {
        foreach (var price in table.Prices)
        {
            if (price.TenantOverride)
            {
                return true;
            }
        }

        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not load the negotiated prices of tenant {TenantId} ({Reason}); pricing as before")]
    private static partial void LogLoadFailed(ILogger logger, string tenantId, string reason);

    /// <param name="Overridden">The tenant's merged book; null: the tenant pays list prices.</param>
    private sealed record Entry(PriceBook? Overridden, long RefreshAtMs, long Epoch)
    {
        public bool IsFresh(long nowMs, long epoch) => nowMs < RefreshAtMs && Epoch == epoch;
    }
}
