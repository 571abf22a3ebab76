using Gateway.Contracts.KeyVault.V1;
using Gateway.KeyVault.Revocations;
using Grpc.Core;

namespace Gateway.KeyVault.Grpc;

/// <summary>The revocation stream: every committed revocation, from any replica, as heard through PostgreSQL NOTIFY.</summary>
internal sealed partial class KeyResolutionService
{
    private static readonly RevocationEvent Ready = new() { Kind = RevocationKind.Ready };

    public override async Task WatchRevocations(WatchRevocationsRequest request, IServerStreamWriter<RevocationEvent> responseStream, ServerCallContext context)
    {
        callers.RequireInternal(context);

        // A stream never ends by itself: end it when this replica stops, so clients reconnect at once.
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var cancellationToken = ending.Token;

        // Subscribe before saying READY, so nothing committed after the client sees READY can be missed.
        var reader = revocations.Subscribe();
        try
        {
            await revocations.Live.WaitAsync(cancellationToken);
            await responseStream.WriteAsync(Ready, cancellationToken);
            await foreach (var revocation in reader.ReadAllAsync(cancellationToken))
            {
                await responseStream.WriteAsync(revocation is null ? Ready : ToContract(revocation), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away or the service is stopping; ending the call normally is all there is to do.
        }
        finally
        {
            revocations.Unsubscribe(reader);
        }
    }

    private static RevocationEvent ToContract(Revocation revocation) => new()
    {
        Kind = revocation.Kind switch
        {
            RevocationTarget.ApiKey => RevocationKind.ApiKey,
            RevocationTarget.VirtualKey => RevocationKind.VirtualKey,
            _ => RevocationKind.Unspecified,
        },
        TenantId = revocation.TenantId,
        Id = revocation.Id,
    };
}
