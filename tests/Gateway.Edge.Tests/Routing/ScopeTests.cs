using System.Net;
using Gateway.Contracts.KeyVault.V1;

namespace Gateway.Edge.Tests.Routing;

/// <summary>Gateway key scopes (providers, models, configs) and the tenant's allowed providers.</summary>
[Collection(EdgeCollection.Name)]
public sealed class ScopeTests(EdgeFixture fixture) : IAsyncLifetime
{
    private RoutingHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await RoutingHarness.StartAsync(fixture);

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Provider_outside_the_key_scope_is_not_attempted()
    {
        var (a, slugA) = await _harness.ProviderAsync("openai");
        var (b, slugB) = await _harness.ProviderAsync("groq");
        var key = await _harness.ScopedKeyAsync(new ApiKeyScopes { Providers = { "groq" } });
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var fallback = await client.SendAsync(RoutingHarness.Chat(key, RoutingHarness.Fallback(slugA, slugB), traceId));
        using var headerOnly = await client.SendAsync(RoutingHarness.Chat(key, null, ChatRequests.NewTraceId(), virtualKey: slugA));

        Assert.Equal(HttpStatusCode.OK, fallback.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, headerOnly.StatusCode);
        Assert.Equal("provider_not_allowed", await RoutingHarness.ErrorCodeAsync(headerOnly));
        Assert.Empty(a.Requests);
        Assert.Single(b.Requests);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(new[] { ("openai", "provider_not_allowed"), ("groq", "") }, usage.Attempts.Select(t => (t.Provider, t.ErrorType)));
        Assert.Equal("groq", usage.Provider);
    }

    [Fact]
    public async Task Model_outside_the_key_scope_is_refused_after_overrides()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var key = await _harness.ScopedKeyAsync(new ApiKeyScopes { Models = { "gpt-4o" } });
        using var client = fixture.Edge.CreateHttpClient();

        using var refused = await client.SendAsync(RoutingHarness.Chat(key, null, ChatRequests.NewTraceId(), virtualKey: slugA));
        using var overridden = await client.SendAsync(RoutingHarness.Chat(key,
            $$$"""{"virtual_key":"{{{slugA}}}","override_params":{"model":"gpt-4o"}}""", ChatRequests.NewTraceId()));

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("model_not_allowed", await RoutingHarness.ErrorCodeAsync(refused));
        Assert.Equal(HttpStatusCode.OK, overridden.StatusCode);
        Assert.Single(a.Requests);
    }

    [Fact]
    public async Task Config_outside_the_key_scope_is_refused()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        await _harness.PutConfigAsync("allowed", RoutingHarness.Fallback(slugA));
        await _harness.PutConfigAsync("other", RoutingHarness.Fallback(slugA));
        var key = await _harness.ScopedKeyAsync(new ApiKeyScopes { ConfigIds = { "allowed" } });
        using var client = fixture.Edge.CreateHttpClient();

        using var allowed = await client.SendAsync(RoutingHarness.Chat(key, "allowed", ChatRequests.NewTraceId()));
        using var other = await client.SendAsync(RoutingHarness.Chat(key, "other", ChatRequests.NewTraceId()));
        using var inline = await client.SendAsync(RoutingHarness.Chat(key, RoutingHarness.Fallback(slugA), ChatRequests.NewTraceId()));

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden), (other.StatusCode, inline.StatusCode));
        Assert.Equal("config_not_allowed", await RoutingHarness.ErrorCodeAsync(other));
        Assert.Single(a.Requests);
    }

    /// <summary>Needs Config to store the policy's <c>limits</c> (allowed_providers).</summary>
    [Fact]
    public async Task Tenant_allowed_providers_skip_other_targets()
    {
        var (a, slugA) = await _harness.ProviderAsync("openai");
        var (b, slugB) = await _harness.ProviderAsync("groq");
        await _harness.ConfigAdmin.PutTenantPolicyAsync(new Gateway.Contracts.Config.V1.PutTenantPolicyRequest
        {
            TenantId = _harness.Tenant.Id,
            Limits = new Gateway.Contracts.Config.V1.TenantPolicyLimits { AllowedProviders = { "groq" } },
        }, RoutingHarness.Admin);
        using var client = fixture.Edge.CreateHttpClient();

        using var routed = await client.SendAsync(_harness.Chat(RoutingHarness.Fallback(slugA, slugB), ChatRequests.NewTraceId()));
        using var refused = await client.SendAsync(RoutingHarness.Chat(_harness.Tenant, null, ChatRequests.NewTraceId(), virtualKey: slugA));

        Assert.Equal(HttpStatusCode.OK, routed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("provider_not_allowed", await RoutingHarness.ErrorCodeAsync(refused));
        Assert.Empty(a.Requests);
    }

    [Fact]
    public async Task Custom_host_targets_must_pass_the_tenant_policy()
    {
        var (fake, _) = await _harness.ProviderAsync();
        await _harness.ConfigAdmin.PutTenantPolicyAsync(new Gateway.Contracts.Config.V1.PutTenantPolicyRequest
        {
            TenantId = _harness.Tenant.Id,
            AllowedCustomHosts = { "127.0.0.1" },
            AllowPrivateHosts = true,
        }, RoutingHarness.Admin);
        await using var other = await RoutingHarness.StartAsync(fixture);
        var config = $$$"""{"provider":"openai","custom_host":"{{{fake.BaseUrl}}}"}""";
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var allowed = await client.SendAsync(_harness.Chat(config, traceId));
        using var refused = await client.SendAsync(other.Chat(config, ChatRequests.NewTraceId()));

        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Equal("custom_host_not_allowed", await RoutingHarness.ErrorCodeAsync(refused));
        var sent = Assert.Single(fake.Requests);
        Assert.False(sent.Headers.ContainsKey("authorization"));
        Assert.Equal("openai", (await fixture.Usage.SingleAsync(traceId)).Provider);
    }
}
