namespace Gateway.Config.Prices;

/// <summary>One stored price table version.</summary>
internal sealed record PriceVersionInfo(string Version, DateTimeOffset CreatedAt, bool Active, int ModelCount);
