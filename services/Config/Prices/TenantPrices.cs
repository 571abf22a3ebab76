namespace Gateway.Config.Prices;

/// <summary>Applies a tenant's negotiated prices over the table in force: an override replaces the list row for
/// the same provider/model, and one for a model the table lacks is added (a contract can cover a private model).</summary>
internal static class TenantPrices
{
    public static IReadOnlyList<(ModelPrice Price, bool Overridden)> Apply(PriceTable table, IReadOnlyList<ModelPrice> overrides)
    {
        var byKey = overrides.ToDictionary(o => (o.Provider, o.Model));
        var result = new List<(ModelPrice, bool)>(table.Prices.Count + overrides.Count);
        foreach (var price in table.Prices)
        {
            result.Add(byKey.Remove((price.Provider, price.Model), out var negotiated) ? (negotiated, true) : (price, false));
        }

        result.AddRange(byKey.Values.Select(o => (o, true)));
        return result;
    }
}
