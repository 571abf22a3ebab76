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
            message.Prices.Add(new ConfigV1.ModelPrice
            {
                Provider = price.Provider,
                Model = price.Model,
                InputPerMtok = ExactDecimal.ToText(price.InputPerMTok),
                CachedInputPerMtok = ExactDecimal.ToText(price.CachedInputPerMTok),
                CacheWritePerMtok = ExactDecimal.ToText(price.CacheWritePerMTok),
                OutputPerMtok = ExactDecimal.ToText(price.OutputPerMTok),
            });
        }

        return message;
    }
}
