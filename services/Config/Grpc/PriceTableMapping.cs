using Gateway.Config.Prices;
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
                InputPerMtok = DecimalText.Format(price.InputPerMTok),
                CachedInputPerMtok = DecimalText.Format(price.CachedInputPerMTok),
                CacheWritePerMtok = DecimalText.Format(price.CacheWritePerMTok),
                OutputPerMtok = DecimalText.Format(price.OutputPerMTok),
            });
        }

        return message;
    }
}
