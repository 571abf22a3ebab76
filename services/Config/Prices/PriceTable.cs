namespace Gateway.Config.Prices;

/// <summary>A versioned price table; a usage event names the version its cost was computed with.</summary>
internal sealed record PriceTable(string Version, IReadOnlyList<ModelPrice> Prices);
