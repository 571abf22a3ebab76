using System.Globalization;

namespace Gateway.Config.Grpc;

/// <summary>The wire form of exact prices: invariant culture, never an exponent, no trailing zeros.</summary>
internal static class DecimalText
{
    public static string Format(decimal value)
    {
        // decimal.ToString keeps the stored scale (numeric(20,10) reads back as "0.1500000000") and never uses an
        // exponent, so trimming the fraction's zeros gives the shortest exact form.
        var text = value.ToString(CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) ? text.TrimEnd('0').TrimEnd('.') : text;
    }
}
