using Gateway.Config.Prices;
using Gateway.Contracts;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Config.Grpc;

internal static class PriceTableMapping
{
    public static ConfigV1.PriceTable ToContract(this PriceTable table)
    {
        var message = new ConfigV1.PriceTable { Version = table.Version };
        foreach (var price in table.Prices)
        {
            message.Prices.Add(price.ToContract());
        }

        return message;
    }

    /// <summary>The table with a tenant's overrides applied, each overridden row flagged.</summary>
    public static ConfigV1.PriceTable ToContract(this PriceTable table, string tenantId, IReadOnlyList<ModelPrice> overrides)
    {
        var message = new ConfigV1.PriceTable { Version = table.Version, TenantId = tenantId };
        foreach (var (price, overridden) in TenantPrices.Apply(table, overrides))
        {
            message.Prices.Add(price.ToContract(overridden));
        }

        return message;
    }

    public static ConfigV1.ModelPrice ToContract(this ModelPrice price, bool overridden = false) => new()
    {
        Provider = price.Provider,
        Model = price.Model,
        InputPerMtok = ExactDecimal.ToText(price.InputPerMTok),
        CachedInputPerMtok = ExactDecimal.ToText(price.CachedInputPerMTok),
        CacheWritePerMtok = ExactDecimal.ToText(price.CacheWritePerMTok),
        OutputPerMtok = ExactDecimal.ToText(price.OutputPerMTok),
        TenantOverride = overridden,
    };
}
