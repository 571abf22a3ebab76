using Gateway.Contracts.Config.V1;
using Gateway.Edge.Auth;
using Gateway.Edge.Errors;
using Gateway.Edge.Options;
using Grpc.Core;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Models;

/// <summary>The models of Config's price table by provider: what <c>GET /v1/models</c> can offer. The price book
/// the Edge prices with is indexed for lookups, not listing, so the table is read here and cached for
/// <see cref="EdgeOptions.PriceRefreshInterval"/>.</summary>
internal sealed partial class PriceTableModels(
    Config.ConfigClient config,
    KeyResolutionCache cache,
    IOptions<EdgeOptions> options,
    ILogger<PriceTableModels> logger)
{
    private const string CacheKey = "models:price-table";

    private readonly EdgeOptions _options = options.Value;

    /// <summary>Provider (lowercase) to its model ids, ordered.</summary>
    public async ValueTask<Outcome<Dictionary<string, string[]>>> GetAsync(CancellationToken cancellationToken)
    {
        if (cache.TryGet<Dictionary<string, string[]>>(CacheKey, out var cached) && cached is not null)
        {
            return cached;
        }

        try
        {
            var table = await config.GetPricesAsync(new GetPricesRequest(),
                deadline: DateTime.UtcNow + _options.DependencyTimeout, cancellationToken: cancellationToken);
            var byProvider = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
            foreach (var price in table.Prices)
            {
                var provider = price.Provider.ToLowerInvariant();
                if (!byProvider.TryGetValue(provider, out var models))
                {
                    models = new SortedSet<string>(StringComparer.Ordinal);
                    byProvider[provider] = models;
                }

                models.Add(price.Model);
            }

            var result = new Dictionary<string, string[]>(StringComparer.Ordinal);
            foreach (var (provider, models) in byProvider)
            {
                result[provider] = [.. models];
            }

            cache.Set(CacheKey, result, _options.PriceRefreshInterval);
            return result;
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogConfigFailed(logger, ex.StatusCode, ex.Status.Detail);
            return GatewayError.DependencyUnavailable("config");
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Config GetPrices failed with {StatusCode}: {Detail}")]
    private static partial void LogConfigFailed(ILogger logger, StatusCode statusCode, string detail);
}
