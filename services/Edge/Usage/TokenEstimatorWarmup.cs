namespace Gateway.Edge.Usage;

/// <summary>Loads the tokenizer on a thread-pool thread right after start-up, so the first request that needs an
/// estimate does not pay for it (and start-up does not wait for it either).</summary>
internal sealed partial class TokenEstimatorWarmup(TokenEstimator estimator, ILogger<TokenEstimatorWarmup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Run(estimator.Warm, stoppingToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Not fatal: estimates are then attempted (and logged) per request.
            LogWarmupFailed(logger, ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Loading the token estimator failed")]
    private static partial void LogWarmupFailed(ILogger logger, Exception exception);
}
