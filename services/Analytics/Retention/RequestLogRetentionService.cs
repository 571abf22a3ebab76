using Gateway.Analytics.Ingest;
using Microsoft.Extensions.Options;

namespace Gateway.Analytics.Retention;

/// <summary>Runs <see cref="RequestLogRetention"/> every <see cref="AnalyticsOptions.RetentionInterval"/> when
/// <see cref="AnalyticsOptions.RequestLogRetention"/> is set. Replicas may run it at the same time: deleting the
/// same old rows twice is harmless.</summary>
internal sealed partial class RequestLogRetentionService(RequestLogRetention retention, IOptions<AnalyticsOptions> options,
    TimeProvider time, ILogger<RequestLogRetentionService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.RequestLogRetention == 0)
        {
            return;
        }

        using var timer = new PeriodicTimer(settings.RetentionInterval, time);
        do
        {
            var cutoff = time.GetUtcNow().UtcDateTime.AddDays(-settings.RequestLogRetention);
            try
            {
                var deleted = await retention.PurgeAsync(cutoff, settings.RetentionBatchSize, stoppingToken);
                if (deleted > 0)
                {
                    LogPurged(logger, deleted, cutoff);
                }
            }
            catch (Exception ex) when (DatabaseFailure.IsTransient(ex) && !stoppingToken.IsCancellationRequested)
            {
                LogPurgeFailed(logger, ex.GetType().Name, ex.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Request log retention deleted {Deleted} rows started before {Cutoff:o}")]
    private static partial void LogPurged(ILogger logger, long deleted, DateTime cutoff);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Request log retention failed, retrying next interval: {ErrorType}: {Reason}")]
    private static partial void LogPurgeFailed(ILogger logger, string errorType, string reason);
}
