using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Gateway.Testing;

namespace Gateway.Analytics.Tests.Dashboard;

/// <summary>GET /dashboard/data: admin only, validated parameters, and the numbers the rollups hold.</summary>
[Collection(AnalyticsCollection.Name)]
public sealed class DashboardDataTests(AnalyticsFixture fixture)
{
    [Fact]
    public async Task Without_the_admin_token_the_data_is_refused_with_an_error_body()
    {
        var tenant = AnalyticsFixture.NewTenantId("dash-key");
        var gatewayKey = await fixture.CreateGatewayKeyAsync(tenant);
        using var http = fixture.Analytics.CreateHttpClient();

        var (missing, missingError) = await GetAsync(http, "/dashboard/data", token: null);
        var (wrong, wrongError) = await GetAsync(http, "/dashboard/data", token: "not-the-admin-token-at-all");
        var (tenantKey, _) = await GetAsync(http, "/dashboard/data?tenant=" + tenant, token: gatewayKey);
        var (forged, _) = await GetAsync(http, "/dashboard/data", token: null, cookie: "gateway_dashboard=99999999999.AAAA");

        Assert.Equal(HttpStatusCode.Unauthorized, missing);
        Assert.Equal("authentication_error", missingError.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(HttpStatusCode.Forbidden, wrong);
        Assert.Equal("permission_error", wrongError.GetProperty("error").GetProperty("type").GetString());
        // A tenant's own gateway key is not enough: the dashboard shows every tenant.
        Assert.Equal(HttpStatusCode.Forbidden, tenantKey);
        Assert.Equal(HttpStatusCode.Unauthorized, forged);
    }

    [Theory]
    [InlineData("days=0")]
    [InlineData("days=367")]
    [InlineData("days=abc")]
    [InlineData("days=-3")]
    public async Task Invalid_parameters_are_a_400_naming_the_problem(string query)
    {
        using var http = fixture.Analytics.CreateHttpClient();

        var (status, body) = await GetAsync(http, "/dashboard/data?" + query, TestSecrets.AdminToken);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("days", body.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal("invalid_request_error", body.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task The_data_has_spend_per_day_per_tenant_top_models_and_users_savings_and_latency()
    {
        var sample = await DashboardSample.IngestAsync(fixture);
        using var http = fixture.Analytics.CreateHttpClient();

        var (status, data) = await GetAsync(http, $"/dashboard/data?days=7&tenant={sample.TenantA},{sample.TenantB}",
            TestSecrets.AdminToken);

        Assert.Equal(HttpStatusCode.OK, status);
        var dates = data.GetProperty("dates").EnumerateArray().Select(d => d.GetString()).ToList();
        Assert.Equal(7, dates.Count);
        Assert.Equal(sample.Today, dates[^1]);
        Assert.Equal((DashboardSample.TotalSpend, DashboardSample.TotalSaved, 5L, 1L), Totals(data.GetProperty("totals")));

        var tenants = data.GetProperty("tenants").EnumerateArray().ToList();
        Assert.Equal([sample.TenantA, sample.TenantB], tenants.Select(t => t.GetProperty("tenantId").GetString()));
        var (a, b) = (tenants[0], tenants[1]);
        Assert.Equal(("2.5", "0", 3L, 0L), Totals(a));
        Assert.Equal(("2.25", "0.4", 2L, 1L), Totals(b));
        var dailyA = a.GetProperty("dailyCostUsd").EnumerateArray().Select(d => d.GetString()).ToList();
        var dailyB = b.GetProperty("dailyCostUsd").EnumerateArray().Select(d => d.GetString()).ToList();
        Assert.Equal(7, dailyA.Count);
        if (sample.Yesterday == sample.Today)
        {
            Assert.Equal("2.5", dailyA[^1]);
        }
        else
        {
            Assert.Equal(("1.75", "0.75"), (dailyA[dates.IndexOf(sample.Yesterday)], dailyA[^1]));
        }

        Assert.Equal("2.25", dailyB[^1]);
        Assert.Equal(6, dailyB.Count(d => d == "0"));

        // Histogram percentiles: within 9% of the true latency.
        var latencyA = a.GetProperty("latency");
        var latencyB = b.GetProperty("latency");
        Assert.InRange(latencyA.GetProperty("p50Us").GetInt64(), 109_000, 131_000);
        Assert.InRange(latencyA.GetProperty("p99Us").GetInt64(), 109_000, 131_000);
        Assert.InRange(latencyB.GetProperty("p95Us").GetInt64(), 1_820_000, 2_180_000);

        Assert.Equal([("openai/gpt-4o", "", 3L, "4.25"), ("anthropic/claude-sonnet", "", 1L, "0.5"), ("openai/gpt-4o-mini", "", 1L, "0")],
            Entries(data.GetProperty("topModels")));
        Assert.Equal([("carol", sample.TenantB, 2L, "2.25"), ("alice", sample.TenantA, 2L, "2"), ("bob", sample.TenantA, 1L, "0.5")],
            Entries(data.GetProperty("topUsers")));
    }

    [Fact]
    public async Task Without_tenants_the_most_expensive_tenants_of_the_range_are_shown()
    {
        // Far more expensive than anything other tests ingest.
        var big = AnalyticsFixture.NewTenantId("dash-big");
        var usage = UsageEvents.Create(big, "900000");
        await fixture.Ingest.IngestAsync(UsageEvents.Batch(usage), AnalyticsFixture.InternalHeaders);
        using var http = fixture.Analytics.CreateHttpClient();

        var (status, data) = await GetAsync(http, "/dashboard/data", TestSecrets.AdminToken);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(30, data.GetProperty("dates").GetArrayLength());
        var tenants = data.GetProperty("tenants").EnumerateArray().Select(t => t.GetProperty("tenantId").GetString()).ToList();
        Assert.InRange(tenants.Count, 1, 8);
        Assert.Equal(big, tenants[0]);
    }

    [Fact]
    public async Task The_page_asks_for_the_token_and_a_token_parameter_becomes_an_http_only_strict_session_cookie()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false };
        using var http = new HttpClient(handler) { BaseAddress = fixture.Analytics.HttpAddress };

        using var anonymous = await http.GetAsync(new Uri("/dashboard", UriKind.Relative));
        using var wrong = await http.GetAsync(new Uri("/dashboard?token=wrong-token-0123456789", UriKind.Relative));
        using var login = await http.GetAsync(new Uri($"/dashboard?days=7&token={TestSecrets.AdminToken}&tenant=x", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Contains("name=\"token\"", await anonymous.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        Assert.Equal("/dashboard?days=7&tenant=x", login.Headers.Location?.OriginalString);
        var setCookie = Assert.Single(login.Headers.GetValues("Set-Cookie"));
        Assert.StartsWith("gateway_dashboard=", setCookie, StringComparison.Ordinal);
        Assert.Contains("httponly", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("path=/dashboard", setCookie, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(TestSecrets.AdminToken, setCookie, StringComparison.Ordinal);

        var cookie = setCookie.Split(';')[0];
        var (withCookie, _) = await GetAsync(http, "/dashboard/data?days=1", token: null, cookie: cookie);
        using var page = new HttpRequestMessage(HttpMethod.Get, "/dashboard");
        page.Headers.Add("Cookie", cookie);
        using var pageResponse = await http.SendAsync(page);
        Assert.Equal(HttpStatusCode.OK, withCookie);
        Assert.Equal(HttpStatusCode.OK, pageResponse.StatusCode);
        Assert.Contains("id=\"spend-chart\"", await pageResponse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Contains("script-src 'sha256-", pageResponse.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_login_form_starts_a_session_only_with_the_admin_token()
    {
        using var handler = new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false };
        using var http = new HttpClient(handler) { BaseAddress = fixture.Analytics.HttpAddress };

        using var refused = await http.PostAsync(new Uri("/dashboard/login", UriKind.Relative),
            new FormUrlEncodedContent([new("token", "wrong-token-0123456789")]));
        using var accepted = await http.PostAsync(new Uri("/dashboard/login", UriKind.Relative),
            new FormUrlEncodedContent([new("token", TestSecrets.AdminToken)]));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.False(refused.Headers.Contains("Set-Cookie"));
        Assert.Equal(HttpStatusCode.Redirect, accepted.StatusCode);
        Assert.StartsWith("gateway_dashboard=", accepted.Headers.GetValues("Set-Cookie").Single(), StringComparison.Ordinal);
    }

    private static (string Cost, string Saved, long Requests, long CacheHits) Totals(JsonElement element) => (
        element.GetProperty("costUsd").GetString()!, element.GetProperty("savedCostUsd").GetString()!,
        element.GetProperty("requests").GetInt64(), element.GetProperty("cacheHits").GetInt64());

    private static List<(string?, string?, long, string?)> Entries(JsonElement list) =>
        [.. list.EnumerateArray().Select(e => (e.GetProperty("name").GetString(), e.GetProperty("tenantId").GetString(),
            e.GetProperty("requests").GetInt64(), e.GetProperty("costUsd").GetString()))];

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(HttpClient http, string path, string? token,
        string? cookie = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (cookie is not null)
        {
            request.Headers.Add("Cookie", cookie);
        }

        using var response = await http.SendAsync(request);
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, body.RootElement.Clone());
    }
}
