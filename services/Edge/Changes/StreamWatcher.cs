using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Changes;

/// <summary>Keeps one server stream of change events open for the life of the Edge and applies every event. A
/// broken stream is reopened with exponential backoff and jitter; the READY that starts each stream tells the
/// subclass that events sent during the gap were missed.</summary>
internal abstract class StreamWatcher<TEvent>(
    string source,
    ChangeMetrics metrics,
    IOptions<ChangeWatchOptions> options,
    ILogger logger) : BackgroundService
{
    private readonly ChangeWatchOptions _options = options.Value;

    protected ChangeMetrics Metrics { get; } = metrics;

    protected abstract AsyncServerStreamingCall<TEvent> Open(CancellationToken cancellationToken);

    protected abstract bool IsReady(TEvent change);

    protected abstract void Apply(TEvent change);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var live = false;
            try
            {
                using var call = Open(stoppingToken);
                await foreach (var change in call.ResponseStream.ReadAllAsync(stoppingToken))
                {
                    if (!live && IsReady(change))
                    {
                        live = true;
                        failures = 0;
                        WatchLog.Connected(logger, source);
                    }

                    Apply(change);
                }

                WatchLog.Disconnected(logger, source, StatusCode.OK, "the stream ended");
            }
            catch (Exception) when (stoppingToken.IsCancellationRequested)
            {
                // Shutting down: the call was cancelled (as an RpcException or an OperationCanceledException).
                return;
            }
            catch (RpcException ex)
            {
                WatchLog.Disconnected(logger, source, ex.StatusCode, ex.Status.Detail);
            }
            catch (Exception ex) when (ex is InvalidOperationException or HttpRequestException or IOException)
            {
                // E.g. service discovery found no endpoint yet: keep trying, the TTLs cover the gap.
                WatchLog.Disconnected(logger, source, StatusCode.Unavailable, ex.Message);
            }

            Metrics.Disconnected(source);
            failures++;
            await Task.Delay(Backoff(failures), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Doubling from the initial backoff, capped, with up to 50% jitter so a fleet of Edges does not
    /// reconnect to a restarted service in one wave.</summary>
    private TimeSpan Backoff(int failures)
    {
        var exponent = Math.Min(failures - 1, 16);
        var capped = Math.Min(_options.InitialBackoff.TotalMilliseconds * (1 << exponent), _options.MaxBackoff.TotalMilliseconds);
        return TimeSpan.FromMilliseconds(capped * (0.5 + (Random.Shared.NextDouble() / 2)));
    }
}

internal static partial class WatchLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "{Source} watch stream connected; cached copies due for a refresh")]
    public static partial void Connected(ILogger logger, string source);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Source} watch stream lost ({StatusCode}: {Detail}); reconnecting, cache TTLs apply meanwhile")]
    public static partial void Disconnected(ILogger logger, string source, StatusCode statusCode, string detail);
}
