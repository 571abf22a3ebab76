using Dapr.Client;
using Gateway.Contracts.Usage.V1;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Usage;

/// <summary>Publishes each batch as one message (protobuf JSON of <see cref="UsageBatch"/>) on the Dapr pub/sub
/// component, which Analytics consumes through its subscription.</summary>
internal sealed class DaprUsageSink(DaprClient dapr, IOptions<UsageOptions> options) : IUsageSink
{
    private readonly UsageOptions _options = options.Value;

    public string Name => "dapr";

    public Task SendAsync(UsageBatch batch, CancellationToken cancellationToken)
    {
        var json = System.Text.Encoding.UTF8.GetBytes(JsonFormatter.Default.Format(batch));
        return dapr.PublishByteEventAsync(_options.PubsubName, _options.Topic, json, "application/json",
            cancellationToken: cancellationToken);
    }
}
