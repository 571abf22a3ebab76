using Microsoft.Extensions.Options;

namespace Gateway.Analytics.Rollups;

/// <summary>The roller: moves pending rows into the rollups chunk after chunk while a full chunk was found, then
/// sleeps until ingest in this process signals or the poll interval passes. Replicas each run one; the advisory lock
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

                // A full chunk means more may be waiting; otherwise (drained, or another replica's roller holds
                // the lock) sleep until ingest here signals or the poll interval passes.
                if (moved is not { } count || count < settings.ChunkSize)
                {
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
