using System.Globalization;

namespace Gateway.Contracts;

/// <summary>The wire form of money and prices in every contract: an exact decimal string in invariant culture, with
/// no exponent and no trailing zeros ("0.000435", "10"). One definition, so the Edge, Config and Analytics agree
/// to the last digit.</summary>
public static class ExactDecimal
{
    // One '#' per decimal place a System.Decimal can hold (28): every digit is kept, trailing zeros are not.
    private const string Format = "0.############################";

    public static string ToText(decimal value) => value.ToString(Format, CultureInfo.InvariantCulture);

    /// <summary>Parses a non-negative value written as digits with an optional decimal point; empty means zero.</summary>
    public static bool TryParse(string text, out decimal value)
    {
        if (text.Length == 0)
        {
            value = 0m;
            return true;
        }

        return decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out value);
    }
}
