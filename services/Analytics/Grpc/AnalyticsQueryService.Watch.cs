using Gateway.Contracts.Analytics.V1;
using Gateway.Contracts.Usage.V1;
using Grpc.Core;

namespace Gateway.Analytics.Grpc;

internal sealed partial class AnalyticsQueryService
{
    public override async Task WatchUsage(WatchUsageRequest request, IServerStreamWriter<UsageEvent> responseStream,
        ServerCallContext context)
    {
        var tenantId = await authorizer.AuthorizeTenantAsync(context, request.TenantId);
        using var subscription = broadcaster.Subscribe(tenantId);

        // Headers go out only now: a client that awaits them knows every event stored from here on reaches it.
        await context.WriteResponseHeadersAsync([]);

        // Ends with the call, or when the service shuts down (so a stream never holds up a graceful stop).
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        try
        {
            await foreach (var usage in subscription.Events.ReadAllAsync(stop.Token))
            {
                await responseStream.WriteAsync(usage, stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The caller went away or the service is stopping: the stream simply ends.
        }
    }
}
