using Gateway.Edge.Auth;
using Grpc.Core;
using Microsoft.Extensions.Options;
using KeyVaultV1 = Gateway.Contracts.KeyVault.V1;

namespace Gateway.Edge.Changes;

/// <summary>KeyVault's revocation stream: a revoked gateway key or a deleted virtual key stops working at this Edge
/// at once instead of when its cached resolution expires.</summary>
internal sealed class RevocationWatcher(
    [FromKeyedServices(ChangeWatchRegistration.KeyVaultClientName)] KeyVaultV1.KeyVault.KeyVaultClient keyVault,
    KeyResolutionCache cache,
    ChangeMetrics metrics,
    IOptions<ChangeWatchOptions> options,
    ILogger<RevocationWatcher> logger) : StreamWatcher<KeyVaultV1.RevocationEvent>("KeyVault", metrics, options, logger)
{
    private static readonly KeyVaultV1.WatchRevocationsRequest Request = new();

    protected override AsyncServerStreamingCall<KeyVaultV1.RevocationEvent> Open(CancellationToken cancellationToken) =>
        keyVault.WatchRevocations(Request, cancellationToken: cancellationToken);

    protected override bool IsReady(KeyVaultV1.RevocationEvent change) => change.Kind == KeyVaultV1.RevocationKind.Ready;

    protected override void Apply(KeyVaultV1.RevocationEvent change)
    {
        switch (change.Kind)
        {
            case KeyVaultV1.RevocationKind.VirtualKey when change.TenantId.Length > 0:
                cache.Remove(KeyResolutionCache.VirtualKeyCacheKey(change.TenantId, change.Id));
                Metrics.Invalidated("virtual_key");
                break;
            case KeyVaultV1.RevocationKind.ApiKey when change.Id.Length > 0:
                // Gateway keys are cached under the hash of their secret, which the event cannot name, but the cached
                // answer holds the key id: drop exactly those answers, stale copies included, so the revoked key is
                // refused at once and never served stale, while every other key keeps its copy for an outage.
                cache.RemoveWhere(KeyResolutionCache.ApiKeyKind, answer =>
                    answer is CallerIdentity identity && identity.ApiKeyId == change.Id);
                Metrics.Invalidated("api_key");
                break;
            case KeyVaultV1.RevocationKind.ApiKey:
                // No id to match: every gateway key is dropped rather than risk serving the revoked one.
                cache.RemoveWhere(KeyResolutionCache.ApiKeyKind, static _ => true);
                Metrics.Invalidated("api_key");
                break;
            case KeyVaultV1.RevocationKind.Ready:
                // Revocations sent during the gap were missed: every KeyVault answer is asked again on its next use
                // (a refusal replaces it), but kept to bridge a KeyVault or PostgreSQL that is still recovering.
                cache.MarkDue(KeyResolutionCache.KeyVaultKinds);
                Metrics.Invalidated("ready");
                break;
        }
    }
}
