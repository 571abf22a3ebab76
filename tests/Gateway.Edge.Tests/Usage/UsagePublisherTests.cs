extern alias edge;

using Gateway.Contracts.Usage.V1;
using Gateway.Testing;
using Gateway.Testing.Dapr;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using edge::Gateway.Edge.Usage;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Edge.Tests.Usage;

/// <summary>The real usage pipeline (queue, publisher, Dapr transport) of a running Edge against the fake Dapr
/// sidecar: batching, retries while the sidecar refuses, and the flush on shutdown.</summary>
[Collection(EdgeCollection.Name)]
public sealed class UsagePublisherTests(EdgeFixture fixture)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Recorded_events_are_published_once_each_in_batches_no_larger_than_the_batch_size()
    {
        await using var sidecar = await StartSidecarAsync();
        await using var edgeHost = StartEdge(sidecar, batchSize: 10, flushInterval: "00:00:00.050");
        var events = Record(edgeHost, 25);

        await sidecar.WaitUntilAsync(s => PublishedEvents(s).Count >= 25, Timeout, "25 events published");

        var published = PublishedEvents(sidecar);
        Assert.Equal(events.Select(e => e.EventId).Order(), published.Select(e => e.EventId).Order());
        Assert.All(sidecar.Published, m => Assert.Equal(("pubsub", "usage"), (m.PubsubName, m.Topic)));
        Assert.All(sidecar.Published, m => Assert.InRange(Batch(m).Events.Count, 1, 10));
        Assert.True(sidecar.Published.Count >= 3, "25 events with a batch size of 10 need at least 3 messages");
    }

    [Fact]
    public async Task Publishing_is_retried_while_the_sidecar_refuses_and_nothing_is_lost()
    {
        await using var sidecar = await StartSidecarAsync();
        sidecar.RejectPublishesWith = StatusCode.Unavailable;
        await using var edgeHost = StartEdge(sidecar, batchSize: 100, flushInterval: "00:00:00.020");
        var events = Record(edgeHost, 5);

        await sidecar.WaitUntilAsync(s => s.RejectedPublishes >= 2, Timeout, "two refused publishes");
        Assert.Empty(sidecar.Published);
        sidecar.RejectPublishesWith = null;

        await sidecar.WaitUntilAsync(s => PublishedEvents(s).Count >= 5, Timeout, "the refused events published");
        Assert.Equal(events.Select(e => e.EventId).Order(), PublishedEvents(sidecar).Select(e => e.EventId).Order());
    }

    [Fact]
    public async Task Stopping_the_Edge_flushes_events_that_were_still_queued()
    {
        await using var sidecar = await StartSidecarAsync();
        var edgeHost = StartEdge(sidecar, batchSize: 1000, flushInterval: "00:01:00");
        var events = Record(edgeHost, 7);
        Assert.Empty(sidecar.Published); // a partial batch waits up to a minute for more events...

        await edgeHost.DisposeAsync(); // ...unless the Edge stops: then it is sent before the process ends

        Assert.Equal(events.Select(e => e.EventId).Order(), PublishedEvents(sidecar).Select(e => e.EventId).Order());
    }

    private static async Task<FakeDaprSidecar> StartSidecarAsync()
    {
        var sidecar = new FakeDaprSidecar();
        await sidecar.StartAsync(appBaseAddress: null); // publish-only: messages are recorded, not delivered
        return sidecar;
    }

    private ServiceHost<edge::Program> StartEdge(FakeDaprSidecar sidecar, int batchSize, string flushInterval)
    {
        var settings = TestSecrets.Settings();
        settings["services:keyvault:grpc:0"] = fixture.KeyVaultGrpcAddress.ToString();
        settings["services:config:grpc:0"] = fixture.ConfigGrpcAddress.ToString();
        settings["ConnectionStrings:redis"] = fixture.Redis.ConnectionString;
        settings["Usage:Transport"] = "Dapr";
        settings["DAPR_GRPC_ENDPOINT"] = sidecar.GrpcEndpoint;
        settings["Usage:BatchSize"] = batchSize.ToString(System.Globalization.CultureInfo.InvariantCulture);
        settings["Usage:FlushInterval"] = flushInterval;
        return new ServiceHost<edge::Program>(settings).Start();
    }

    private static List<UsageEvent> Record(ServiceHost<edge::Program> edgeHost, int count)
    {
        var recorder = edgeHost.Services.GetRequiredService<IUsageRecorder>();
        var events = Enumerable.Range(0, count).Select(i => new UsageEvent
        {
            EventId = Guid.NewGuid().ToString(),
            TenantId = "publisher-test",
            Provider = "mock",
            Model = "mock-1",
            StatusCode = 200,
            OutputTokens = i,
            CostUsd = "0",
            StartedAt = Timestamp.FromDateTime(DateTime.UtcNow),
        }).ToList();
        events.ForEach(recorder.Record);
        return events;
    }

    private static UsageBatch Batch(PublishedMessage message) => JsonParser.Default.Parse<UsageBatch>(message.DataText);

    private static List<UsageEvent> PublishedEvents(FakeDaprSidecar sidecar) =>
        sidecar.Published.SelectMany(m => Batch(m).Events).ToList();
}
