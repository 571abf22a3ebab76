using Grpc.Core;
using Microsoft.Extensions.Options;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Edge.Changes;

/// <summary>Config's Watch stream: configs, policies and prices.</summary>
internal sealed class ConfigChangeWatcher(
    [FromKeyedServices(ChangeWatchRegistration.ConfigClientName)] ConfigV1.Config.ConfigClient config,
    ChangeInvalidator invalidator,
    ChangeMetrics metrics,
    IOptions<ChangeWatchOptions> options,
    ILogger<ConfigChangeWatcher> logger) : StreamWatcher<ConfigV1.ChangeEvent>("Config", metrics, options, logger)
{
    private static readonly ConfigV1.WatchRequest Request = new();

    protected override AsyncServerStreamingCall<ConfigV1.ChangeEvent> Open(CancellationToken cancellationToken) =>
        config.Watch(Request, cancellationToken: cancellationToken);

    protected override bool IsReady(ConfigV1.ChangeEvent change) => change.Kind == ConfigV1.ChangeKind.Ready;

    protected override void Apply(ConfigV1.ChangeEvent change) => invalidator.Apply(change);
}
