using Gateway.Edge.Auth;
using Gateway.Edge.Pricing;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Edge.Changes;

/// <summary>Turns one Watch event into the invalidation of the Edge's in-process copies it makes stale.</summary>
internal sealed partial class ChangeInvalidator(
    KeyResolutionCache cache,
    PriceRefreshSignal prices,
    PriceCatalog catalog,
    ChangeMetrics metrics,
    ILogger<ChangeInvalidator> logger)
{
    public void Apply(ConfigV1.ChangeEvent change)
    {
        switch (change.Kind)
        {
            case ConfigV1.ChangeKind.Config when change.TenantId.Length > 0 && change.Id.Length > 0:
                cache.Remove(KeyResolutionCache.ConfigCacheKey(change.TenantId, change.Id));
                metrics.Invalidated("config");
                break;
            case ConfigV1.ChangeKind.Policy when change.TenantId.Length > 0:
                cache.Remove(KeyResolutionCache.PolicyCacheKey(change.TenantId));
                metrics.Invalidated("policy");
                break;
            case ConfigV1.ChangeKind.Prices when change.TenantId.Length > 0:
                // A tenant's negotiated price: the list prices are unchanged, only merged books are reloaded.
                catalog.InvalidateTenants();
                metrics.Invalidated("prices");
                break;
            case ConfigV1.ChangeKind.Prices:
                // A new table: reload it, and the tenants' books merged over the old one.
                prices.RefreshNow();
                catalog.InvalidateTenants();
                metrics.Invalidated("prices");
                break;
            case ConfigV1.ChangeKind.Ready:
                // Live again after a gap (or for the first time): whatever changed meanwhile was never heard, so every
                // Config answer is asked again, but kept to bridge a Config or PostgreSQL that is still recovering.
                cache.MarkDue(KeyResolutionCache.ConfigKinds);
                prices.RefreshNow();
                catalog.InvalidateTenants();
                metrics.Invalidated("ready");
                break;
            default:
                LogIgnored(logger, change.Kind);
                break;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Ignored a Watch event of kind {Kind}")]
    private static partial void LogIgnored(ILogger logger, ConfigV1.ChangeKind kind);
}
