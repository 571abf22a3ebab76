using Gateway.Contracts.Config.V1;
using Gateway.Edge.Options;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Pricing;

/// <summary>Loads the price table from Config at start, whenever <see cref="PriceRefreshSignal"/> asks (a Watch
/// event), and every <see cref="EdgeOptions.PriceRefreshInterval"/> as a backstop; until the first load succeeds it
/// retries every couple of seconds. A failed refresh keeps the previous book.</summary>
internal sealed partial class PriceRefresher(
    Config.ConfigClient config,
    PriceCatalog catalog,
    PriceRefreshSignal signal,
    IOptions<EdgeOptions> options,
    ILogger<PriceRefresher> logger) : BackgroundService
{
    private static readonly TimeSpan StartupRetry = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var table = await config.GetPricesAsync(new GetPricesRequest(),
                    deadline: DateTime.UtcNow + settings.DependencyTimeout, cancellationToken: stoppingToken);
                var book = PriceBook.From(table);
                if (book.Version != catalog.Current.Version || !catalog.IsLoaded)
                {
                    LogLoaded(logger, book.Version, table.Prices.Count);
                }

                catalog.Publish(book);
            }
            catch (RpcException ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogRefreshFailed(logger, ex.StatusCode, ex.Status.Detail);
            }
            catch (FormatException ex)
            {
                LogInvalidTable(logger, ex.Message);
            }

            try
            {
                await signal.WaitAsync(catalog.IsLoaded ? settings.PriceRefreshInterval : StartupRetry, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded price table {Version} with {Count} models")]
    private static partial void LogLoaded(ILogger logger, string version, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not load prices from Config ({StatusCode}: {Detail}); keeping the previous table")]
    private static partial void LogRefreshFailed(ILogger logger, StatusCode statusCode, string detail);

    [LoggerMessage(Level = LogLevel.Error, Message = "Config returned an invalid price table: {Reason}; keeping the previous table")]
    private static partial void LogInvalidTable(ILogger logger, string reason);
}
