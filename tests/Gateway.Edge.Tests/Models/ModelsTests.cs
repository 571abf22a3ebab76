using System.ClientModel;
using System.ClientModel.Primitives;
using System.Net;
using System.Text.Json;
using Gateway.Edge.Tests.Pipeline;
using OpenAI;
using OpenAI.Models;

namespace Gateway.Edge.Tests.Models;

[Collection(EdgeCollection.Name)]
public sealed class ModelsTests(EdgeFixture fixture)
{
    private const string Path = "/v1/models";

    [Fact]
    public async Task Lists_the_price_table_models_of_each_provider_the_tenant_has_a_key_for()
    {
        var tenant = await fixture.CreateTenantAsync();
        await fixture.CreateVirtualKeyAsync(tenant, "openai");
        await fixture.CreateVirtualKeyAsync(tenant, "openai");
        await fixture.CreateVirtualKeyAsync(tenant, "gemini");
        await fixture.CreateVirtualKeyAsync(tenant, "mock");
        using var client = fixture.Edge.CreateHttpClient();
        var traceId = ChatRequests.NewTraceId();

        using var response = await client.SendAsync(EdgeRequests.Create(HttpMethod.Get, Path, tenant, null, traceId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("list", json.RootElement.GetProperty("object").GetString());
        var models = json.RootElement.GetProperty("data").EnumerateArray()
            .Select(m => (Id: m.GetProperty("id").GetString(), Owner: m.GetProperty("owned_by").GetString(),
                Object: m.GetProperty("object").GetString(), Created: m.GetProperty("created").GetInt64()))
            .ToList();
        Assert.Contains(("gpt-4o-mini", "openai", "model", 0L), models);
        Assert.Contains(("text-embedding-3-small", "openai", "model", 0L), models);
        Assert.Contains(("gemini-2.5-flash", "gemini", "model", 0L), models);
        Assert.Contains(("mock-1", "mock", "model", 0L), models);
        Assert.DoesNotContain(models, m => m.Id!.StartsWith("claude", StringComparison.Ordinal));
        Assert.Equal(models.Count, models.Distinct().Count());

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((tenant.Id, Path, 200, "0"), (usage.TenantId, usage.Endpoint, usage.StatusCode, usage.CostUsd));
    }

    [Fact]
    public async Task A_tenant_without_virtual_keys_reaches_no_models()
    {
        var tenant = await fixture.CreateTenantAsync();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(EdgeRequests.Create(HttpMethod.Get, Path, tenant, null, ChatRequests.NewTraceId()));

        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(0, json.RootElement.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task The_official_OpenAI_client_lists_them()
    {
        var tenant = await fixture.CreateTenantAsync();
        await fixture.CreateVirtualKeyAsync(tenant, "anthropic");
        var options = new OpenAIClientOptions { Endpoint = new Uri(fixture.Edge.HttpAddress, "/v1") };
        var client = new OpenAIModelClient(new ApiKeyCredential(tenant.ApiKey), options);

        var models = await client.GetModelsAsync();

        Assert.Contains(models.Value, m => m.Id == "claude-sonnet-4-5" && m.OwnedBy == "anthropic");
        Assert.DoesNotContain(models.Value, m => m.OwnedBy == "openai");
    }

    [Fact]
    public async Task Needs_a_gateway_key()
    {
        using var client = fixture.Edge.CreateHttpClient();
        var options = new OpenAIClientOptions { Endpoint = new Uri(fixture.Edge.HttpAddress, "/v1") };
        options.AddPolicy(new GatewayHeaderPolicy("x-gateway-trace-id", ChatRequests.NewTraceId()), PipelinePosition.PerCall);

        using var response = await client.SendAsync(EdgeRequests.Create(HttpMethod.Get, Path, null, null, ChatRequests.NewTraceId()));
        var error = await Assert.ThrowsAsync<ClientResultException>(() =>
            new OpenAIModelClient(new ApiKeyCredential("gwk_unknown_" + new string('x', 32)), options).GetModelsAsync());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(401, error.Status);
    }
}
