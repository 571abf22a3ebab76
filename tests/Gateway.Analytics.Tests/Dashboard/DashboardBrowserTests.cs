using System.Text.RegularExpressions;
using Gateway.Testing;
using Xunit.Abstractions;

namespace Gateway.Analytics.Tests.Dashboard;

/// <summary>The dashboard page as a browser shows it: headless Chromium logs in with the admin token once, the page
/// fetches its data and draws the charts; the rendered DOM is checked and a screenshot kept as a test artifact.</summary>
[Collection(AnalyticsCollection.Name)]
public sealed partial class DashboardBrowserTests(AnalyticsFixture fixture, ITestOutputHelper output)
{
    [Fact]
    public async Task Headless_chromium_renders_the_charts_with_the_rollup_numbers()
    {
        var sample = await DashboardSample.IngestAsync(fixture);
        var url = new Uri(fixture.Analytics.HttpAddress,
            $"/dashboard?days=7&tenant={sample.TenantA},{sample.TenantB}&token={TestSecrets.AdminToken}");

        var dom = await HeadlessChromium.DumpDomAsync(url);

        Assert.Contains("data-ready=\"true\"", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("data-error", dom, StringComparison.Ordinal);
        Assert.Equal("$" + DashboardSample.TotalSpend, Text(dom, "total-spend"));
        Assert.Equal("$" + DashboardSample.TotalSaved, Text(dom, "total-saved"));
        Assert.Equal("5", Text(dom, "total-requests"));
        Assert.Equal("20.0%", Text(dom, "cache-hit-rate"));

        // One series per tenant in the spend chart, bars carrying each day's exact cost.
        var series = SeriesTenant().Matches(dom).Select(m => m.Groups[1].Value).ToList();
        Assert.Equal([sample.TenantA, sample.TenantB], series);
        var bars = Bar().Matches(dom).Select(m => (m.Groups[1].Value, m.Groups[2].Value)).ToList();
        Assert.Contains((sample.Today, "2.25"), bars);
        Assert.Contains(sample.Yesterday == sample.Today ? (sample.Today, "2.5") : (sample.Yesterday, "1.75"), bars);
        Assert.Equal(sample.Yesterday == sample.Today ? 2 : 3, bars.Count);

        // Top models, top users, savings and latency are drawn with their values.
        Assert.Contains(">openai/gpt-4o</text>", dom, StringComparison.Ordinal);
        Assert.Contains(">$4.25</text>", dom, StringComparison.Ordinal);
        Assert.Contains($"data-name=\"carol ({sample.TenantB})\"", dom, StringComparison.Ordinal);
        Assert.Contains(">saved $0.4</text>", dom, StringComparison.Ordinal);
        Assert.Equal(2, LatencyGroups().Count(dom));
        Assert.Equal(6, LatencyBars().Count(dom));

        // Also as a picture, for people.
        var artifacts = Directory.CreateDirectory(Path.Combine(AppContext.BaseDirectory, "artifacts"));
        var screenshot = Path.Combine(artifacts.FullName, "dashboard.png");
        File.Delete(screenshot);
        await HeadlessChromium.ScreenshotAsync(url, screenshot);
        var png = await File.ReadAllBytesAsync(screenshot);
        Assert.True(png.Length > 10_000, $"The screenshot is suspiciously small ({png.Length} bytes).");
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], png[..4]);
        output.WriteLine($"dashboard screenshot: {screenshot}");
    }

    [Fact]
    public async Task Without_the_token_chromium_sees_the_login_form_and_no_data()
    {
        var dom = await HeadlessChromium.DumpDomAsync(new Uri(fixture.Analytics.HttpAddress, "/dashboard"));

        Assert.Contains("name=\"token\"", dom, StringComparison.Ordinal);
        Assert.DoesNotContain("spend-chart", dom, StringComparison.Ordinal);
    }

    private static string Text(string dom, string id)
    {
        var match = Regex.Match(dom, $"id=\"{id}\"[^>]*>([^<]*)<");
        Assert.True(match.Success, $"#{id} is not in the page.");
        return match.Groups[1].Value;
    }

    [GeneratedRegex("<g class=\"series\" data-tenant=\"([^\"]+)\"")]
    private static partial Regex SeriesTenant();

    [GeneratedRegex("<rect class=\"bar\" [^>]*data-date=\"([^\"]+)\" data-cost=\"([^\"]+)\"")]
    private static partial Regex Bar();

    [GeneratedRegex("<g class=\"tenant\" data-tenant=")]
    private static partial Regex LatencyGroups();

    [GeneratedRegex("<rect class=\"bar p(50|95|99)\"")]
    private static partial Regex LatencyBars();
}
