using System.Diagnostics;
using Microsoft.Extensions.Options;

namespace Gateway.Analytics.Rollups;

/// <summary>The roller: moves pending rows into the rollups chunk after chunk while a full chunk was found, then
/// lets rows accumulate for the rest of the minimum interval (<see cref="RollupPacing"/>) and sleeps until ingest in
/// this process signals or the poll interval passes. Replicas each run one; the advisory lock
/// lets one move at a time.</summary>
internal sealed partial class RollupService(PendingRollups pending, RollupSignal signal, IOptions<RollupOptions> options,
    ILogger<RollupService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (!settings.Enabled)
        {
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var started = Stopwatch.GetTimestamp();
                int? moved;
                try
                {
                    moved = await pending.MoveAsync(settings.ChunkSize, stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    // Nothing was committed: the chunk is still pending and the queries still count it.
                    LogMoveFailed(logger, ex.GetType().Name, ex.Message);
                    await Task.Delay(settings.FailureDelay, stoppingToken);
                    continue;
                }

                // A full chunk means more may be waiting: go on at once. Otherwise (drained, or another replica's
                // roller holds the lock) let pending rows accumulate for the rest of the minimum interval, then sleep
                // until ingest here signals (perhaps already, meanwhile) or the poll interval passes.
                var rest = RollupPacing.RestBeforeNextPass(moved, Stopwatch.GetElapsedTime(started), settings);
                if (rest is { } pause)
                {
                    if (pause > TimeSpan.Zero)
                    {
                        await Task.Delay(pause, stoppingToken);
                    }

                    await signal.WaitAsync(settings.PollInterval, stoppingToken);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Shutting down; an unfinished chunk rolled back and stays pending.
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Moving pending usage into the rollups failed, retrying: {ErrorType}: {Reason}")]
    private static partial void LogMoveFailed(ILogger logger, string errorType, string reason);
}
