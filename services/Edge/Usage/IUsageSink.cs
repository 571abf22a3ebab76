using Gateway.Contracts.Usage.V1;

namespace Gateway.Edge.Usage;

/// <summary>Delivers one batch to Analytics. Throws when the batch was not accepted; the publisher retries, and
/// Analytics applies each event id once, so a repeated delivery is harmless.</summary>
internal interface IUsageSink
{
    string Name { get; }

    Task SendAsync(UsageBatch batch, CancellationToken cancellationToken);
}
