using System.Globalization;

namespace Gateway.Analytics.Queries;

internal static class DecimalText
{
    // One '#' per possible decimal place (decimal has at most 28): every digit is kept, trailing zeros are not.
    private const string ExactFormat = "0.############################";

    /// <summary>The exact value in invariant culture without trailing zeros: 2.6001230 -> "2.600123", 0 -> "0".</summary>
    public static string Format(decimal value) => value.ToString(ExactFormat, CultureInfo.InvariantCulture);
}
