using System.Text.RegularExpressions;
using Gateway.Config.Prices;
using Gateway.Contracts;
using Grpc.Core;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Config.Grpc;

/// <summary>Validates price requests, collecting every problem into one INVALID_ARGUMENT.</summary>
internal static partial class PriceRequestMapping
{
    // numeric(20,10): at most 10 integer digits and 10 decimal places; anything else would fail in the database.
    private const decimal MaxPrice = 9_999_999_999.9999999999m;
    private const int MaxScale = 10;

    public static PriceTable FromContract(ConfigV1.PutPriceTableRequest request)
    {
        var errors = new List<string>();
        if (!VersionPattern().IsMatch(request.Version))
        {
            errors.Add("version: must be 1 to 64 of [A-Za-z0-9._-]");
        }

        var prices = new List<ModelPrice>();
        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < request.Prices.Count; i++)
        {
            var price = Parse(request.Prices[i], $"prices[{i}]", errors);
            if (price is not null && !seen.Add((price.Provider, price.Model)))
            {
                errors.Add($"prices[{i}]: duplicate {price.Provider}/{price.Model}");
            }
            else if (price is not null)
            {
                prices.Add(price);
            }
        }

        if (request.Prices.Count == 0)
        {
            errors.Add("prices: a table needs at least one model");
        }

        ThrowIfAny(errors);
        return new PriceTable(request.Version, prices);
    }

    public static ModelPrice FromContract(ConfigV1.ModelPrice? price)
    {
        var errors = new List<string>();
        var parsed = price is null ? null : Parse(price, "price", errors);
        if (price is null)
        {
            errors.Add("price: required");
        }

        ThrowIfAny(errors);
        return parsed!;
    }

    public static string RequireName(string value, string field) =>
        value.Trim() is { Length: > 0 and <= 200 } trimmed
            ? trimmed
            : throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field} must be 1 to 200 characters."));

    private static ModelPrice? Parse(ConfigV1.ModelPrice price, string path, List<string> errors)
    {
        var before = errors.Count;
        var provider = price.Provider.Trim().ToLowerInvariant();
        var model = price.Model.Trim();
        if (provider.Length == 0)
        {
            errors.Add($"{path}.provider: required");
        }

        if (model.Length == 0)
        {
            errors.Add($"{path}.model: required");
        }

        var input = Amount(price.InputPerMtok, $"{path}.input_per_mtok", errors);
        var cachedInput = Amount(price.CachedInputPerMtok, $"{path}.cached_input_per_mtok", errors);
        var cacheWrite = Amount(price.CacheWritePerMtok, $"{path}.cache_write_per_mtok", errors);
        var output = Amount(price.OutputPerMtok, $"{path}.output_per_mtok", errors);
        return errors.Count == before ? new ModelPrice(provider, model, input, cachedInput, cacheWrite, output) : null;
    }

    private static decimal Amount(string text, string path, List<string> errors)
    {
        if (!ExactDecimal.TryParse(text.Trim(), out var value) || value > MaxPrice || value.Scale > MaxScale)
        {
            errors.Add($"{path}: must be a non-negative decimal with at most 10 integer and 10 fractional digits");
            return 0m;
        }

        return value;
    }

    private static void ThrowIfAny(List<string> errors)
    {
        if (errors.Count > 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, string.Join("; ", errors)));
        }
    }

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex VersionPattern();
}
