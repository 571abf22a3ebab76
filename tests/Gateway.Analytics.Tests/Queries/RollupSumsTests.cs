using System.Globalization;
using Gateway.Analytics.Queries;
using Gateway.Contracts;

namespace Gateway.Analytics.Tests.Queries;

/// <summary>Money sums added up in C# are exact or fail, never rounded.</summary>
public sealed class RollupSumsTests
{
    [Theory]
    // Fits at the operands' scale.
    [InlineData("0.000123", "2.5", "2.500123")]
    // Needs a smaller scale, but only zeros are dropped (numeric amounts with long zero tails).
    [InlineData("5.0000000000000000000000000000", "5.0000000000000000000000000000", "10")]
    // The tails below the smaller scale carry into it exactly.
    [InlineData("5.0000000000000000000000000005", "5.0000000000000000000000000005", "10.000000000000000000000000001")]
    public void Money_sums_are_exact(string a, string b, string expected)
    {
        var sum = Sums(a);
        sum.Add(Sums(b));

        Assert.Equal(expected, ExactDecimal.ToText(sum.CostUsd));
    }

    [Fact]
    public void A_money_sum_that_would_be_rounded_fails()
    {
        var sum = Sums("5.0000000000000000000000000001");

        Assert.Throws<OverflowException>(() => sum.Add(Sums("5.0000000000000000000000000000")));
    }

    private static RollupSums Sums(string cost) =>
        new() { CostUsd = decimal.Parse(cost, CultureInfo.InvariantCulture), SavedCostUsd = 0m };
}
