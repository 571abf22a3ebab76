using Gateway.Edge.Options;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Usage;

/// <summary>With <c>Edge:PreloadTokenEstimator</c>: loads the tokenizer on a thread-pool thread right after start-up,
/// so the first estimate does not wait for it (and start-up does not wait either). Off by default: see
/// <see cref="TokenEstimator"/> for what the tables cost.</summary>
internal sealed partial class TokenEstimatorWarmup(TokenEstimator estimator, IOptions<EdgeOptions> options,
    ILogger<TokenEstimatorWarmup> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.PreloadTokenEstimator)
        {
            return;
        }

        try
        {
            await estimator.LoadAsync().WaitAsync(stoppingToken);
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
