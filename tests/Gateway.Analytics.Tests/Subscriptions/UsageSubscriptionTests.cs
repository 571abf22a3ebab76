using System.Text;
using System.Text.Json;
using Dapr;
using Dapr.Client;
using Gateway.Testing.Dapr;

namespace Gateway.Analytics.Tests.Subscriptions;

/// <summary>The Dapr path end to end: DaprClient publishes to the fake sidecar, which delivers CloudEvents to the
/// real Analytics service through its /dapr/subscribe contract.</summary>
[Collection(AnalyticsCollection.Name)]
public sealed class UsageSubscriptionTests(AnalyticsFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Subscribe_lists_the_usage_topic_with_its_route_and_dead_letter_topic()
    {
        using var http = fixture.Analytics.CreateHttpClient();

        var json = await http.GetStringAsync(new Uri("/dapr/subscribe", UriKind.Relative));

        var subscription = Assert.Single(DaprSubscription.ParseList(json));
        Assert.Equal(new DaprSubscription("pubsub", "usage", "/events/usage", "usage-dlq", RawPayload: false), subscription);
        using var document = JsonDocument.Parse(json);
        Assert.Equal("events/usage", document.RootElement[0].GetProperty("route").GetString());
    }

    [Fact]
    public async Task A_published_batch_is_applied_and_acknowledged_with_success()
    {
        var tenant = AnalyticsFixture.NewTenantId("dapr");
        await using var sidecar = await StartSidecarAsync(new FakeDaprSidecarOptions());
        using var dapr = new DaprClientBuilder().UseGrpcEndpoint(sidecar.GrpcEndpoint).Build();

        await dapr.PublishByteEventAsync("pubsub", "usage",
            Encoding.UTF8.GetBytes(UsageEvents.ToJson(UsageEvents.Batch(tenant, 3, cost: "0.2"))));
        await sidecar.WaitForPublishedAsync(1, Timeout);

        var delivery = Assert.Single(sidecar.Delivered);
        Assert.Equal(DeliveryOutcome.Success, delivery.Outcome);
        Assert.Equal(1, delivery.Attempts);
        var rollup = await fixture.RollupAsync(tenant);
        Assert.Equal((3L, "0.6"), (rollup.Totals.Requests, rollup.Totals.CostUsd));
    }

    [Fact]
    public async Task A_redelivered_message_is_not_counted_twice()
    {
        var tenant = AnalyticsFixture.NewTenantId("redeliver");
        await using var sidecar = await StartSidecarAsync(new FakeDaprSidecarOptions { DeliverEachMessageTimes = 2 });
        using var dapr = new DaprClientBuilder().UseGrpcEndpoint(sidecar.GrpcEndpoint).Build();

        await dapr.PublishByteEventAsync("pubsub", "usage",
            Encoding.UTF8.GetBytes(UsageEvents.ToJson(UsageEvents.Batch(tenant, 4, cost: "0.125"))));
        await sidecar.WaitForPublishedAsync(1, Timeout);

        Assert.Equal([DeliveryOutcome.Success, DeliveryOutcome.Success], sidecar.Delivered.Select(d => d.Outcome));
        var rollup = await fixture.RollupAsync(tenant);
        Assert.Equal((4L, "0.5"), (rollup.Totals.Requests, rollup.Totals.CostUsd));
    }

    [Fact]
    public async Task Bulk_published_batches_are_applied()
    {
        var tenant = AnalyticsFixture.NewTenantId("bulk");
        await using var sidecar = await StartSidecarAsync(new FakeDaprSidecarOptions());
        using var dapr = new DaprClientBuilder().UseGrpcEndpoint(sidecar.GrpcEndpoint).Build();
        var batches = new[] { UsageEvents.Batch(tenant, 2, "1"), UsageEvents.Batch(tenant, 3, "1") }
            .Select(batch => JsonDocument.Parse(UsageEvents.ToJson(batch)).RootElement)
            .ToList();

        var result = await dapr.BulkPublishEventAsync("pubsub", "usage", batches);
        await sidecar.WaitForPublishedAsync(2, Timeout);

        Assert.Empty(result.FailedEntries);
        Assert.All(sidecar.Delivered, delivery => Assert.Equal(DeliveryOutcome.Success, delivery.Outcome));
        Assert.Equal("5", (await fixture.RollupAsync(tenant)).Totals.CostUsd);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("""{"events":[{"eventId":"not-a-uuid","tenantId":"t"}]}""")]
    [InlineData("""{"events":"wrong shape"}""")]
    [InlineData("")]
    public async Task Poison_is_dropped_to_the_dead_letter_topic_without_retrying(string payload)
    {
        await using var sidecar = await StartSidecarAsync(new FakeDaprSidecarOptions());

        var message = await sidecar.PublishRawAsync("pubsub", "usage", payload);
        await sidecar.WaitForIdleAsync(Timeout);

        var attempt = Assert.Single(sidecar.AttemptsFor(message.Id));
        Assert.Equal((DeliveryOutcome.Drop, 200), (attempt.Outcome, attempt.StatusCode));
        var deadLettered = Assert.Single(sidecar.DeadLettered);
        Assert.Equal((message.Id, "usage-dlq", DeliveryOutcome.Drop), (deadLettered.Message.Id, deadLettered.DeadLetterTopic, deadLettered.Reason));
    }

    [Fact]
    public async Task A_batch_with_one_invalid_event_is_dropped_whole()
    {
        var tenant = AnalyticsFixture.NewTenantId("poisonbatch");
        var batch = UsageEvents.Batch(tenant, 2);
        batch.Events[1].InputTokens = -5;
        await using var sidecar = await StartSidecarAsync(new FakeDaprSidecarOptions());

        await sidecar.PublishRawAsync("pubsub", "usage", UsageEvents.ToJson(batch));
        await sidecar.WaitForIdleAsync(Timeout);

        Assert.Equal(DeliveryOutcome.Drop, Assert.Single(sidecar.Delivered).Outcome);
        Assert.Single(sidecar.DeadLettered);
        Assert.Equal(0, (await fixture.RollupAsync(tenant)).Totals.Requests);
    }

    [Fact]
    public async Task A_topic_without_subscription_is_not_delivered()
    {
        await using var sidecar = await StartSidecarAsync(new FakeDaprSidecarOptions());
        using var dapr = new DaprClientBuilder().UseGrpcEndpoint(sidecar.GrpcEndpoint).Build();

        await dapr.PublishEventAsync("pubsub", "somewhere-else", new { hello = "world" });
        await sidecar.WaitForPublishedAsync(1, Timeout);

        Assert.Equal("""{"hello":"world"}""", Assert.Single(sidecar.Published).DataText);
        Assert.Equal(DeliveryOutcome.NoSubscriber, Assert.Single(sidecar.Delivered).Outcome);
        Assert.Empty(sidecar.Attempts);
    }

    [Fact]
    public async Task Publishing_to_an_unknown_pubsub_component_fails_like_dapr()
    {
        await using var sidecar = await StartSidecarAsync(new FakeDaprSidecarOptions());
        using var dapr = new DaprClientBuilder().UseGrpcEndpoint(sidecar.GrpcEndpoint).Build();

        await Assert.ThrowsAnyAsync<DaprException>(() => dapr.PublishEventAsync("no-such-pubsub", "usage", new { }));

        Assert.Empty(sidecar.Published);
    }

    private async Task<FakeDaprSidecar> StartSidecarAsync(FakeDaprSidecarOptions options)
    {
        var sidecar = new FakeDaprSidecar(options);
        await sidecar.StartAsync(fixture.Analytics.HttpAddress);
        return sidecar;
    }
}
