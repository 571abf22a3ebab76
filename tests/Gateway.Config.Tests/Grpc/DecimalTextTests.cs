using Gateway.Config.Grpc;

namespace Gateway.Config.Tests.Grpc;

public sealed class DecimalTextTests
{
    [Theory]
    [InlineData("0.1500000000", "0.15")]
    [InlineData("0.0750000000", "0.075")]
    [InlineData("10.0000000000", "10")]
    [InlineData("0.0000000000", "0")]
    [InlineData("18.75", "18.75")]
    [InlineData("100", "100")]
    [InlineData("0.0000000001", "0.0000000001")]
    [InlineData("9999999999.9999999999", "9999999999.9999999999")]
    public void Format_IsTheShortestExactInvariantForm(string stored, string expected)
    {
        var value = decimal.Parse(stored, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(expected, DecimalText.Format(value));
    }
}
