using Gateway.Contracts.Analytics.V1;
using Gateway.Contracts.Usage.V1;

namespace Gateway.Edge.Usage;

/// <summary>Sends each batch to Analytics' UsageIngest RPC: the transport when no Dapr sidecar runs (./run.sh).</summary>
internal sealed class DirectUsageSink(UsageIngest.UsageIngestClient client) : IUsageSink
{
    public string Name => "direct";

    public async Task SendAsync(UsageBatch batch, CancellationToken cancellationToken) =>
        await client.IngestAsync(batch, cancellationToken: cancellationToken);
}
