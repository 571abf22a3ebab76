using Gateway.Analytics.Queries;

namespace Gateway.Analytics.Tests.Queries;

public sealed class DecimalTextTests
{
    [Theory]
    [InlineData("2.6001230000", "2.600123")]
    [InlineData("0", "0")]
    [InlineData("0.0000000000000000000000000001", "0.0000000000000000000000000001")]
    [InlineData("12345678901234567.5", "12345678901234567.5")]
    [InlineData("100.00", "100")]
    public void Formats_exactly_without_trailing_zeros(string value, string expected) =>
        Assert.Equal(expected, DecimalText.Format(decimal.Parse(value, System.Globalization.CultureInfo.InvariantCulture)));
}
