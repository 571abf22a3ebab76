using System.Net;
using System.Text.Json;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Routing;

/// <summary>Where a request's config comes from: an id stored in Config, inline JSON, the tenant's default.</summary>
[Collection(EdgeCollection.Name)]
public sealed class ConfigResolutionTests(EdgeFixture fixture) : IAsyncLifetime
{
    private RoutingHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await RoutingHarness.StartAsync(fixture);

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Config_by_id_is_fetched_from_config()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var (b, slugB) = await _harness.ProviderAsync();
        await _harness.PutConfigAsync("prod-chat", RoutingHarness.Fallback(slugA, slugB));
        a.Enqueue(FakeBehavior.Status(500));
        using var client = fixture.Edge.CreateHttpClient();

        using var first = await client.SendAsync(_harness.Chat("prod-chat", ChatRequests.NewTraceId()));
        var aliased = RoutingHarness.Chat(_harness.Tenant, null, ChatRequests.NewTraceId());
        aliased.Headers.Add("x-portkey-config", "prod-chat");
        using var second = await client.SendAsync(aliased);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, second.StatusCode));
        Assert.Equal(2, a.Requests.Count);
        Assert.Single(b.Requests);
    }

    [Fact]
    public async Task Invalid_inline_config_is_a_400_listing_every_error_with_its_path()
    {
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(_harness.Chat(
            """{"strategy":{"mode":"sideways"},"targets":[{"virtual_key":"a","weight":0},{"bogus":1}]}""", traceId));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(("invalid_config", "invalid_request_error"), (error.GetProperty("code").GetString(), error.GetProperty("type").GetString()));
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains("$.strategy.mode", message, StringComparison.Ordinal);
        Assert.Contains("$.targets[0].weight", message, StringComparison.Ordinal);
        Assert.Contains("$.targets[1].bogus", message, StringComparison.Ordinal);
        Assert.Equal((400, "invalid_config"), ((await fixture.Usage.SingleAsync(traceId)).StatusCode, (await fixture.Usage.SingleAsync(traceId)).ErrorType));
    }

    [Fact]
    public async Task Unknown_and_other_tenants_config_ids_are_not_found()
    {
        var (_, slugA) = await _harness.ProviderAsync();
        await using var other = await RoutingHarness.StartAsync(fixture);
        var (otherFake, otherSlug) = await other.ProviderAsync();
        await other.PutConfigAsync("theirs", RoutingHarness.Fallback(otherSlug));
        using var client = fixture.Edge.CreateHttpClient();

        using var unknown = await client.SendAsync(_harness.Chat("no-such-config", ChatRequests.NewTraceId()));
        using var foreign = await client.SendAsync(_harness.Chat("theirs", ChatRequests.NewTraceId()));
        using var malformed = await client.SendAsync(_harness.Chat("bad id!", ChatRequests.NewTraceId()));

        Assert.All([unknown, foreign, malformed], response => Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode));
        Assert.Equal("config_not_found", await RoutingHarness.ErrorCodeAsync(foreign));
        Assert.Equal("config_not_found", await RoutingHarness.ErrorCodeAsync(unknown));
        Assert.Empty(otherFake.Requests);
        Assert.NotEmpty(slugA);
    }

    [Fact]
    public async Task Config_without_a_target_uses_the_headers_target_with_its_retries()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        a.Enqueue(FakeBehavior.Status(503));
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(RoutingHarness.Chat(_harness.Tenant, """{"retry":{"attempts":1}}""",
            ChatRequests.NewTraceId(), virtualKey: slugA));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(2, a.Requests.Count);
    }

    /// <summary>Needs Config to store the policy's <c>limits</c> (default_config_id).</summary>
    [Fact]
    public async Task Tenant_default_config_applies_when_the_request_names_none()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var (b, slugB) = await _harness.ProviderAsync();
        await _harness.PutConfigAsync("default-chat", RoutingHarness.Fallback(slugA, slugB));
        await _harness.ConfigAdmin.PutTenantPolicyAsync(new Gateway.Contracts.Config.V1.PutTenantPolicyRequest
        {
            TenantId = _harness.Tenant.Id,
            Limits = new Gateway.Contracts.Config.V1.TenantPolicyLimits { DefaultConfigId = "default-chat" },
        }, RoutingHarness.Admin);
        a.Enqueue(FakeBehavior.Status(500));
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(_harness.Chat(null, ChatRequests.NewTraceId()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(b.Requests);
    }
}
