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
            case KeyVaultV1.RevocationKind.ApiKey:
                // Gateway keys are cached under the hash of their secret, which the event cannot name; revocations
                // are rare, so dropping every cached resolution costs a few KeyVault calls and nothing else.
                cache.Clear();
                Metrics.Invalidated("api_key");
                break;
            case KeyVaultV1.RevocationKind.Ready:
                cache.Clear();
                Metrics.Invalidated("ready");
                break;
        }
    }
}
