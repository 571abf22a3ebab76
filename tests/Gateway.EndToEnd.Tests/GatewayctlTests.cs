using System.Globalization;
using System.Text.Json;
using Gateway.Cli;
using Gateway.EndToEnd.Tests.Infrastructure;
using Gateway.Testing;
using Gateway.Testing.Providers;

namespace Gateway.EndToEnd.Tests;

/// <summary>What the README tells a new user to run after a request: <c>gatewayctl usage</c> against the Analytics API.</summary>
[Collection(GatewaySystemCollection.Name)]
public sealed class GatewayctlTests(GatewaySystemFixture system)
{
    [Fact]
    public async Task Usage_shows_the_tenants_cost_to_the_operator_and_to_the_tenants_own_key_only()
    {
        var tenant = await system.CreateTenantAsync();
        var other = await system.CreateTenantAsync();
        system.Upstream.Usage = new FakeUsage(PromptTokens: 2000, CompletionTokens: 1000);
        using var http = new HttpClient { BaseAddress = system.DirectEdge };
        await ChatCompletionPathTests.StreamAsync(http, tenant, "upstream",
            """{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Hi"}]}""");
        await system.WaitForRollupAsync(tenant.Id, r => r.Rows.Count == 1);
        var expectedCost = (2000 * 0.15m + 1000 * 0.60m) / 1_000_000m; // 0.0009

        var (exit, output, _) = await RunAsync("usage", "--tenant", tenant.Id, "--admin-token", TestSecrets.AdminToken);
        Assert.Equal(0, exit);
        Assert.Contains("gpt-4o-mini", output, StringComparison.Ordinal);
        Assert.Contains(expectedCost.ToString(CultureInfo.InvariantCulture).TrimEnd('0'), output, StringComparison.Ordinal);

        (exit, output, _) = await RunAsync("usage", "--api-key", tenant.ApiKey, "--json");
        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(output);
        Assert.Equal(tenant.Id, json.RootElement.GetProperty("tenantId").GetString());
        var cost = json.RootElement.GetProperty("totals").GetProperty("costUsd").GetString()!;
        Assert.Equal(expectedCost, decimal.Parse(cost, CultureInfo.InvariantCulture));

        var (deniedExit, _, error) = await RunAsync("usage", "--api-key", other.ApiKey, "--tenant", tenant.Id);
        Assert.Equal(1, deniedExit);
        Assert.Contains("PermissionDenied", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_policy_set_with_gatewayctl_lets_the_tenant_reach_a_local_custom_host()
    {
        var tenant = await system.CreateTenantAsync();
        using var http = new HttpClient { BaseAddress = system.DirectEdge };

        var (exit, output, error) = await RunAsync("policies", "set", "--tenant", tenant.Id,
            "--allow-host", "127.0.0.1", "--allow-private-hosts", "--admin-token", TestSecrets.AdminToken);
        Assert.True(exit == 0, error);
        Assert.Contains("127.0.0.1", output, StringComparison.Ordinal);

        // Without a policy the tenant gets 403 custom_host_not_allowed (Edge tests); with it, the request goes through.
        Assert.Equal(System.Net.HttpStatusCode.OK, await SendToCustomHostAsync(http, tenant));
    }

    [Fact]
    public async Task Policies_set_stores_every_limit_and_get_shows_it()
    {
        var tenant = await system.CreateTenantAsync();

        var (exit, output, error) = await RunAsync("policies", "set", "--tenant", tenant.Id, "--allow-host", "llm.example.com",
            "--allowed-provider", "OpenAI", "--allowed-provider", "anthropic", "--default-config", "prod-routing", "--cache",
            "--cache-max-age", "2d", "--monthly-budget", "250.50", "--rpm", "600", "--tpm", "100000", "--key-rpm", "60",
            "--key-tpm", "10000", "--admin-token", TestSecrets.AdminToken);
        Assert.True(exit == 0, error);
        Assert.Contains("$250.5", output, StringComparison.Ordinal);
        Assert.Contains("openai, anthropic", output, StringComparison.Ordinal);

        (exit, output, error) = await RunAsync("policies", "get", "--tenant", tenant.Id, "--json", "--admin-token", TestSecrets.AdminToken);
        Assert.True(exit == 0, error);
        using var json = JsonDocument.Parse(output);
        var limits = json.RootElement.GetProperty("limits");
        Assert.Equal(["openai", "anthropic"], limits.GetProperty("allowedProviders").EnumerateArray().Select(p => p.GetString()));
        Assert.Equal("prod-routing", limits.GetProperty("defaultConfigId").GetString());
        Assert.True(limits.GetProperty("cacheEnabled").GetBoolean());
        Assert.Equal("172800", limits.GetProperty("cacheMaxAgeSeconds").GetString());
        Assert.Equal("250.5", limits.GetProperty("monthlyBudgetUsd").GetString());
        Assert.Equal(600, limits.GetProperty("requestsPerMinute").GetInt32());
        Assert.Equal("100000", limits.GetProperty("tokensPerMinute").GetString());
        Assert.Equal(60, limits.GetProperty("keyRequestsPerMinute").GetInt32());
        Assert.Equal("10000", limits.GetProperty("keyTokensPerMinute").GetString());
        Assert.Equal("llm.example.com", json.RootElement.GetProperty("allowedCustomHosts")[0].GetString());
    }

    [Fact]
    public async Task Policies_set_with_bad_limits_fails_with_every_problem()
    {
        var tenant = await system.CreateTenantAsync();

        var (exit, _, error) = await RunAsync("policies", "set", "--tenant", tenant.Id, "--monthly-budget", "lots",
            "--rpm", "-1", "--cache-max-age", "400d", "--admin-token", TestSecrets.AdminToken);

        Assert.Equal(1, exit);
        Assert.Contains("InvalidArgument", error, StringComparison.Ordinal);
        Assert.Contains("limits.monthly_budget_usd", error, StringComparison.Ordinal);
        Assert.Contains("limits.requests_per_minute", error, StringComparison.Ordinal);
        Assert.Contains("limits.cache_max_age_seconds", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tenants_list_and_get_show_created_tenants()
    {
        var tenant = await system.CreateTenantAsync();
        var admin = new[] { "--keyvault", system.KeyVaultGrpc.ToString(), "--admin-token", TestSecrets.AdminToken };

        var (exit, output, error) = await RunAsync(["tenants", "list", .. admin]);
        Assert.True(exit == 0, error);
        Assert.Contains(tenant.Id, output, StringComparison.Ordinal);
        Assert.StartsWith("ID", output, StringComparison.Ordinal);

        (exit, output, error) = await RunAsync(["tenants", "list", "--json", .. admin]);
        Assert.True(exit == 0, error);
        using (var json = JsonDocument.Parse(output))
        {
            Assert.Contains(tenant.Id, json.RootElement.GetProperty("tenants").EnumerateArray().Select(t => t.GetProperty("id").GetString()));
        }

        (exit, output, error) = await RunAsync(["tenants", "get", tenant.Id, .. admin]);
        Assert.True(exit == 0, error);
        Assert.Contains(tenant.Id, output, StringComparison.Ordinal);

        (exit, _, error) = await RunAsync(["tenants", "get", "no-such-tenant-" + Guid.NewGuid().ToString("N")[..8], .. admin]);
        Assert.Equal(1, exit);
        Assert.Contains("NotFound", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Prices_put_a_new_version_then_versions_shows_it_in_force()
    {
        var (exit, output, error) = await RunAsync("prices", "list", "--json", "--admin-token", TestSecrets.AdminToken);
        Assert.True(exit == 0, error);
        var version = "cli-" + Guid.NewGuid().ToString("N")[..12];
        var file = Path.GetTempFileName();
        try
        {
            // The prices in force under a new version, so costs asserted by other tests stay the same.
            using (var current = JsonDocument.Parse(output))
            {
                var prices = current.RootElement.GetProperty("prices").GetRawText();
                await File.WriteAllTextAsync(file, $$"""{"version":"{{version}}","prices":{{prices}}}""");
            }

            (exit, output, error) = await RunAsync("prices", "put", "--file", file, "--admin-token", TestSecrets.AdminToken);
            Assert.True(exit == 0, error);
            Assert.Contains(version, output, StringComparison.Ordinal);

            (exit, output, error) = await RunAsync("prices", "versions", "--admin-token", TestSecrets.AdminToken);
            Assert.True(exit == 0, error);
            var row = output.Split('\n').Single(line => line.StartsWith(version, StringComparison.Ordinal));
            Assert.EndsWith("*", row.TrimEnd(), StringComparison.Ordinal);

            (exit, _, error) = await RunAsync("prices", "put", "--file", file, "--admin-token", TestSecrets.AdminToken);
            Assert.Equal(1, exit);
            Assert.Contains("AlreadyExists", error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task Prices_delete_override_removes_a_negotiated_price()
    {
        var tenant = await system.CreateTenantAsync();
        var (exit, _, error) = await RunAsync("prices", "set-override", "--tenant", tenant.Id, "--provider", "openai", "--model", "gpt-4o-mini",
            "--input", "0.1", "--output", "0.4", "--admin-token", TestSecrets.AdminToken);
        Assert.True(exit == 0, error);

        (exit, var output, error) = await RunAsync("prices", "delete-override", "--tenant", tenant.Id, "--provider", "openai",
            "--model", "gpt-4o-mini", "--admin-token", TestSecrets.AdminToken);
        Assert.True(exit == 0, error);
        Assert.Contains("removed", output, StringComparison.Ordinal);

        (exit, _, error) = await RunAsync("prices", "delete-override", "--tenant", tenant.Id, "--provider", "openai",
            "--model", "gpt-4o-mini", "--admin-token", TestSecrets.AdminToken);
        Assert.Equal(1, exit);
        Assert.Contains("NotFound", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_key_created_listed_and_revoked_with_gatewayctl_stops_working_at_the_Edge()
    {
        var tenant = await system.CreateTenantAsync();
        var admin = new[] { "--keyvault", system.KeyVaultGrpc.ToString(), "--admin-token", TestSecrets.AdminToken };

        var (exit, output, error) = await RunAsync(["keys", "create", "--tenant", tenant.Id, "--name", "ci",
            "--expires-in", "30d", "--scope-provider", "openai", "--json", .. admin]);
        Assert.True(exit == 0, error);
        using var created = JsonDocument.Parse(output);
        var keyId = created.RootElement.GetProperty("apiKey").GetProperty("id").GetString()!;
        var secret = created.RootElement.GetProperty("secret").GetString()!;

        (exit, output, error) = await RunAsync(["keys", "list", "--tenant", tenant.Id, .. admin]);
        Assert.True(exit == 0, error);
        Assert.Contains(keyId, output, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, output, StringComparison.Ordinal);

        (exit, _, error) = await RunAsync(["keys", "revoke", keyId, "--tenant", tenant.Id, .. admin]);
        Assert.True(exit == 0, error);

        // This key never reached the Edge before, so no cached resolution can hide the revocation.
        using var http = new HttpClient { BaseAddress = system.DirectEdge };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}]}""",
                System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("Authorization", "Bearer " + secret);
        request.Headers.Add("x-gateway-virtual-key", "upstream");
        using var response = await http.SendAsync(request);
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Configs_validate_reports_every_error_with_its_path_and_fails()
    {
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, """
                {"strategy":{"mode":"loadbalance"},"targets":[{"provider":"openai","weight":1},{"provider":"anthropic","weight":0}],
                 "retry":{"attempts":99}}
                """);
            var (exit, output, error) = await RunAsync("configs", "validate", "--file", file, "--admin-token", TestSecrets.AdminToken);
            Assert.Equal(1, exit);
            var all = output + error;
            Assert.Contains("$.targets[1].weight", all, StringComparison.Ordinal);
            Assert.Contains("$.retry.attempts", all, StringComparison.Ordinal);

            await File.WriteAllTextAsync(file, """{"strategy":{"mode":"fallback"},"targets":[{"provider":"openai"},{"provider":"anthropic"}]}""");
            (exit, _, error) = await RunAsync("configs", "validate", "--file", file, "--admin-token", TestSecrets.AdminToken);
            Assert.True(exit == 0, error);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private async Task<System.Net.HttpStatusCode> SendToCustomHostAsync(HttpClient http, TestTenant tenant)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hi"}]}""",
                System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-gateway-api-key", tenant.ApiKey);
        request.Headers.Add("x-gateway-custom-host", system.Upstream.BaseUrl);
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private async Task<(int Exit, string Output, string Error)> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        string[] connection = ["--analytics", system.AnalyticsGrpc.ToString(), "--config", system.ConfigGrpc.ToString(),
            "--env-file", "/dev/null"];
        var exit = await GatewayCli.RunAsync([.. args, .. connection], output, error);
        return (exit, output.ToString(), error.ToString());
    }
}
