namespace Gateway.Config.Prices;

/// <summary>One model's list prices in USD per 1M tokens, as exact decimals.</summary>
internal sealed record ModelPrice(
    string Provider,
    string Model,
    decimal InputPerMTok,
    decimal CachedInputPerMTok,
    decimal CacheWritePerMTok,
    decimal OutputPerMTok);
