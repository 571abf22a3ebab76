using System.Globalization;
using Gateway.EndToEnd.Tests.Infrastructure;
using Gateway.Testing.Dapr;
using Gateway.Testing.Providers;

namespace Gateway.EndToEnd.Tests;

/// <summary>The Aspire/Kubernetes transport: the Edge publishes usage through the Dapr sidecar (pubsub "pubsub",
/// topic "usage"); the sidecar delivers CloudEvents to Analytics' subscription, every message twice.</summary>
[Collection(GatewaySystemCollection.Name)]
public sealed class DaprUsagePathTests(GatewaySystemFixture system)
{
    [Fact]
    public async Task Usage_published_through_Dapr_reaches_Analytics_and_a_redelivered_event_is_counted_once()
    {
        var tenant = await system.CreateTenantAsync();
        system.Upstream.Usage = new FakeUsage(PromptTokens: 100, CompletionTokens: 50);
        using var http = new HttpClient { BaseAddress = system.DaprEdge };
        var publishedBefore = system.Sidecar.Published.Count;

        const int Requests = 3;
        for (var i = 0; i < Requests; i++)
        {
            var events = await ChatCompletionPathTests.StreamAsync(http, tenant, "upstream",
                """{"model":"gpt-4o-mini","stream":true,"messages":[{"role":"user","content":"Hi"}]}""");
            Assert.Equal("[DONE]", events[^1]);
        }

        var rollup = await system.WaitForRollupAsync(tenant.Id, r => r.Rows.Count == 1 && r.Rows[0].Requests >= Requests);
        await system.Sidecar.WaitForIdleAsync(TimeSpan.FromSeconds(10));

        var row = Assert.Single(rollup.Rows);
        Assert.Equal(Requests, row.Requests);
        Assert.Equal(Requests * 100L, row.InputTokens);
        Assert.Equal(Requests * 50L, row.OutputTokens);
        Assert.Equal(Requests * (100 * 0.15m + 50 * 0.60m) / 1_000_000m, decimal.Parse(row.CostUsd, CultureInfo.InvariantCulture));

        var published = system.Sidecar.Published.Skip(publishedBefore).ToList();
        Assert.NotEmpty(published);
        Assert.All(published, m => Assert.Equal(("pubsub", "usage"), (m.PubsubName, m.Topic)));
        var ours = published.Select(m => m.Id).ToHashSet();
        var deliveries = system.Sidecar.Delivered.Where(d => ours.Contains(d.MessageId)).ToList();
        Assert.Equal(published.Count * 2, deliveries.Count);
        Assert.All(deliveries, d => Assert.Equal(DeliveryOutcome.Success, d.Outcome));

        // Still exactly the same after every redelivery has settled.
        var settled = await system.WaitForRollupAsync(tenant.Id, _ => true);
        Assert.Equal(Requests, Assert.Single(settled.Rows).Requests);
    }
}
