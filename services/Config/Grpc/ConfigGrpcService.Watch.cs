using Gateway.Config.Changes;
using Grpc.Core;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Config.Grpc;

/// <summary>The Watch stream: every committed change, from any replica, as heard through PostgreSQL NOTIFY.</summary>
internal sealed partial class ConfigGrpcService
{
    private static readonly ConfigV1.ChangeEvent Ready = new() { Kind = ConfigV1.ChangeKind.Ready };

    public override async Task Watch(ConfigV1.WatchRequest request, IServerStreamWriter<ConfigV1.ChangeEvent> responseStream, ServerCallContext context)
    {
        RequireInternalOrAdmin(context);

        // A stream never ends by itself, so without this a shutting-down replica would hold it until the host's
        // shutdown timeout; ending it lets clients reconnect (to another replica) at once.
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var cancellationToken = ending.Token;

        // Subscribe before saying READY, so nothing committed after the client sees READY can be missed.
        var reader = changes.Subscribe();
        try
        {
            await changes.Live.WaitAsync(cancellationToken);
            await responseStream.WriteAsync(Ready, cancellationToken);
            await foreach (var change in reader.ReadAllAsync(cancellationToken))
            {
                await responseStream.WriteAsync(change is null ? Ready : ToContract(change), cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away; ending the call normally is all there is to do.
        }
        finally
        {
            changes.Unsubscribe(reader);
        }
    }

    private static ConfigV1.ChangeEvent ToContract(ChangeNotification change) => new()
    {
        Kind = change.Kind switch
        {
            ChangeKind.Config => ConfigV1.ChangeKind.Config,
            ChangeKind.Prices => ConfigV1.ChangeKind.Prices,
            ChangeKind.Policy => ConfigV1.ChangeKind.Policy,
            _ => ConfigV1.ChangeKind.Unspecified,
        },
        TenantId = change.TenantId,
        Id = change.Id,
        Version = change.Version,
    };
}
