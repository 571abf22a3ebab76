using System.Net;
using System.Text.Json;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Caching;

/// <summary>The cache headers of the contract, through the Edge and a real Cache service: each value and alias, the
/// response headers, and that a hit is served without calling the provider and billed as a hit.</summary>
[Collection(CacheEdgeCollection.Name)]
public sealed class CacheHeaderTests(CacheEdgeFixture fixture) : IAsyncLifetime
{
    private FakeOpenAiServer _provider = null!;
    private TestTenant _tenant = null!;
    private string _virtualKey = "";
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _provider = await FakeOpenAiServer.StartAsync();
        _provider.Answer = "The first answer.";
        _tenant = await fixture.CreateTenantAsync();
        _virtualKey = await fixture.CreateVirtualKeyAsync(_tenant, _provider.BaseUrl);
        _client = fixture.Edge.CreateHttpClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task A_hit_is_served_without_the_provider_and_billed_as_a_saving()
    {
        var body = UniqueBody();
        var miss = await SendAsync(body, ("x-gateway-cache", "true"));
        var hit = await SendAsync(body, ("x-gateway-cache", "TRUE"));

        Assert.Equal((HttpStatusCode.OK, "MISS"), (miss.Status, miss.Cache));
        Assert.Equal((HttpStatusCode.OK, "HIT"), (hit.Status, hit.Cache));
        Assert.Null(hit.MetrionCache);
        Assert.Equal(miss.Body, hit.Body);
        Assert.Matches("^[0-9a-f]{64}$", miss.Key!);
        Assert.Equal(miss.Key, hit.Key);
        Assert.Single(_provider.Requests);

        var missEvent = await fixture.Usage.SingleAsync(miss.TraceId);
        var hitEvent = await fixture.Usage.SingleAsync(hit.TraceId);
        Assert.Equal(("MISS", 12L, 7L), (missEvent.CacheStatus, missEvent.InputTokens, missEvent.OutputTokens));
        Assert.Equal("0.000006", missEvent.CostUsd);
        Assert.Equal("", missEvent.SavedCostUsd);
        Assert.Equal(("HIT", 200, ""), (hitEvent.CacheStatus, hitEvent.StatusCode, hitEvent.ErrorType));
        Assert.Equal((0L, 0L, 0L, 0L), (hitEvent.InputTokens, hitEvent.CachedInputTokens, hitEvent.OutputTokens, hitEvent.ReasoningTokens));
        Assert.Equal("0", hitEvent.CostUsd);
        Assert.Equal(missEvent.CostUsd, hitEvent.SavedCostUsd);
        Assert.Equal(("openai", "gpt-4o-mini"), (hitEvent.Provider, hitEvent.Model));
        Assert.False(hitEvent.TokensEstimated);
        Assert.Empty(hitEvent.Attempts);
    }

    [Fact]
    public async Task The_metrion_alias_is_echoed()
    {
        var body = UniqueBody();
        var miss = await SendAsync(body, ("x-metrion-cache", "true"));
        var hit = await SendAsync(body, ("x-metrion-cache", "true"));

        Assert.Equal(("MISS", "MISS"), (miss.Cache, miss.MetrionCache));
        Assert.Equal(("HIT", "HIT"), (hit.Cache, hit.MetrionCache));
        Assert.Single(_provider.Requests);
    }

    [Theory]
    [InlineData("x-gateway-cache", "refresh")]
    [InlineData("x-gateway-cache-force-refresh", "true")]
    [InlineData("x-portkey-cache-force-refresh", "true")]
    public async Task Refresh_asks_the_provider_and_replaces_the_entry(string header, string value)
    {
        var body = UniqueBody();
        var first = await SendAsync(body, ("x-gateway-cache", "true"));
        _provider.Answer = "The second answer.";
        var refresh = header == "x-gateway-cache"
            ? await SendAsync(body, (header, value))
            : await SendAsync(body, ("x-gateway-cache", "true"), (header, value));
        Assert.Equal(("MISS", "REFRESH"), (first.Cache, refresh.Cache));
        Assert.Equal(2, _provider.Requests.Count);
        Assert.Contains("The second answer.", refresh.Body, StringComparison.Ordinal);
        Assert.Equal("REFRESH", (await fixture.Usage.SingleAsync(refresh.TraceId)).CacheStatus);

        // The refreshed answer replaced the first one (the store is asynchronous: poll).
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        CacheCall hit;
        do
        {
            Assert.True(DateTime.UtcNow < deadline, "The refreshed entry never replaced the old one.");
            hit = await SendAsync(body, ("x-gateway-cache", "true"));
            Assert.Equal("HIT", hit.Cache);
        }
        while (!hit.Body.Contains("The second answer.", StringComparison.Ordinal));

        Assert.Equal(2, _provider.Requests.Count);
    }

    [Fact]
    public async Task False_or_no_header_does_not_cache_and_false_beats_force_refresh()
    {
        var body = UniqueBody();
        var none = await SendAsync(body);
        var off = await SendAsync(body, ("x-gateway-cache", "false"));
        var offWithForce = await SendAsync(body, ("x-gateway-cache", "False"), ("x-gateway-cache-force-refresh", "true"));

        Assert.All([none, off, offWithForce], call =>
        {
            Assert.Equal(HttpStatusCode.OK, call.Status);
            Assert.Null(call.Cache);
            Assert.Null(call.Key);
        });
        Assert.Equal(3, _provider.Requests.Count);
        Assert.Equal("", (await fixture.Usage.SingleAsync(off.TraceId)).CacheStatus);
    }

    [Fact]
    public async Task Namespaces_partition_the_tenant_and_the_portkey_alias_names_the_same_one()
    {
        var body = UniqueBody();
        var docs = await SendAsync(body, ("x-gateway-cache", "true"), ("x-gateway-cache-namespace", "docs"));
        var docsAlias = await SendAsync(body, ("x-gateway-cache", "true"), ("x-portkey-cache-namespace", "docs"));
        var other = await SendAsync(body, ("x-gateway-cache", "true"), ("x-gateway-cache-namespace", "support"));
        var defaultNamespace = await SendAsync(body, ("x-gateway-cache", "true"));

        Assert.Equal(("MISS", "HIT", "MISS", "MISS"), (docs.Cache, docsAlias.Cache, other.Cache, defaultNamespace.Cache));
        Assert.Equal(3, _provider.Requests.Count);
    }

    [Fact]
    public async Task Max_age_within_range_is_accepted_and_out_of_range_or_malformed_is_a_400()
    {
        var body = UniqueBody();
        var ok = await SendAsync(body, ("x-gateway-cache", "true"), ("Cache-Control", "no-transform, max-age=400"));
        Assert.Equal((HttpStatusCode.OK, "MISS"), (ok.Status, ok.Cache));

        foreach (var value in new[] { "max-age=31536001", "max-age=0", "max-age=abc", "max-age" })
        {
            var refused = await SendAsync(body, ("x-gateway-cache", "true"), ("Cache-Control", value));
            Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
            Assert.Equal("invalid_cache_max_age", ErrorCode(refused));
        }

        // Caching not asked for: a Cache-Control the client sends for other reasons is ignored.
        var uncached = await SendAsync(body, ("Cache-Control", "max-age=abc"));
        Assert.Equal((HttpStatusCode.OK, null), (uncached.Status, uncached.Cache));
        Assert.Equal(2, _provider.Requests.Count);
    }

    [Theory]
    [InlineData("x-gateway-cache", "yes", "invalid_cache_mode")]
    [InlineData("x-metrion-cache", "1", "invalid_cache_mode")]
    [InlineData("x-gateway-cache-force-refresh", "maybe", "invalid_cache_force_refresh")]
    [InlineData("x-gateway-cache-namespace", "bad namespace!", "invalid_cache_namespace")]
    public async Task Bad_cache_headers_are_a_400_before_anything_goes_upstream(string header, string value, string code)
    {
        var refused = await SendAsync(UniqueBody(), (header, value));

        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Equal(code, ErrorCode(refused));
        Assert.Empty(_provider.Requests);
    }

    [Fact]
    public async Task Provider_errors_are_not_stored()
    {
        var body = UniqueBody();
        _provider.Enqueue(FakeBehavior.Status(500, """{"error":{"message":"boom","type":"server_error"}}"""));
        var failed = await SendAsync(body, ("x-gateway-cache", "true"));
        var next = await SendAsync(body, ("x-gateway-cache", "true"));

        Assert.Equal((HttpStatusCode.InternalServerError, "MISS"), (failed.Status, failed.Cache));
        Assert.Equal((HttpStatusCode.OK, "MISS"), (next.Status, next.Cache));
        Assert.Equal(2, _provider.Requests.Count);
    }

    [Fact]
    public async Task Parameters_that_change_the_answer_change_the_key_and_metadata_does_not()
    {
        var body = UniqueBody();
        var first = await SendAsync(body, ("x-gateway-cache", "true"), ("x-gateway-metadata", """{"team":"a"}"""));
        var otherMetadata = await SendAsync(body, ("x-gateway-cache", "true"), ("x-gateway-metadata", """{"team":"b"}"""));
        var otherTemperature = await SendAsync(body.Replace("\"temperature\":0.2", "\"temperature\":0.9", StringComparison.Ordinal),
            ("x-gateway-cache", "true"));

        Assert.Equal(("MISS", "HIT", "MISS"), (first.Cache, otherMetadata.Cache, otherTemperature.Cache));
        Assert.NotEqual(first.Key, otherTemperature.Key);
    }

    private static string ErrorCode(CacheCall call)
    {
        using var json = JsonDocument.Parse(call.Body);
        return json.RootElement.GetProperty("error").GetProperty("code").GetString()!;
    }

    /// <summary>A body no other test sends, so entries never leak between tests.</summary>
    private static string UniqueBody() =>
        ChatRequests.Body().Replace("Say hello to the gateway", "Say hello " + Guid.NewGuid().ToString("N"), StringComparison.Ordinal);

    private Task<CacheCall> SendAsync(string body, params (string Name, string Value)[] headers) =>
        CacheCall.SendAsync(_client, CacheEdgeFixture.Request(body, _tenant, _virtualKey, headers));
}
