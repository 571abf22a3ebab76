using System.Globalization;
using Gateway.Contracts;

namespace Gateway.Analytics.Tests.Ingest;

/// <summary>The money/price wire form shared by the Edge, Config and Analytics.</summary>
public sealed class ExactDecimalTests
{
    [Theory]
    [InlineData("2.6001230000", "2.600123")]
    [InlineData("0", "0")]
    [InlineData("0.0000000000", "0")]
    [InlineData("0.1500000000", "0.15")]
    [InlineData("10.0000000000", "10")]
    [InlineData("0.0000000000000000000000000001", "0.0000000000000000000000000001")]
    [InlineData("12345678901234567.5", "12345678901234567.5")]
    [InlineData("9999999999.9999999999", "9999999999.9999999999")]
    public void Formats_exactly_without_trailing_zeros(string value, string expected) =>
        Assert.Equal(expected, ExactDecimal.ToText(decimal.Parse(value, CultureInfo.InvariantCulture)));

    [Theory]
    [InlineData("0.000435", true, "0.000435")]
    [InlineData("", true, "0")]
    [InlineData("-1", false, "0")]
    [InlineData("1e-5", false, "0")]
    [InlineData("1,000", false, "0")]
    public void Parses_only_plain_non_negative_decimals(string text, bool ok, string expected)
    {
        Assert.Equal(ok, ExactDecimal.TryParse(text, out var value));
        if (ok)
        {
            Assert.Equal(decimal.Parse(expected, CultureInfo.InvariantCulture), value);
        }
    }
}
