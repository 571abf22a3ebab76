using System.Net;
using System.Net.Sockets;
using System.Text;
using Gateway.Contracts.Usage.V1;
using Gateway.EndToEnd.Tests.Infrastructure;
using Gateway.Testing.Providers;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Gateway.EndToEnd.Tests.Faults;

public sealed class ShutdownSystem : IAsyncLifetime
{
    internal FaultSystem System { get; private set; } = null!;

    public async Task InitializeAsync() => System = await FaultSystem.StartAsync();

    public async Task DisposeAsync() => await System.DisposeAsync();
}

/// <summary>An Edge stopped while requests to a slow provider are in flight: it stops accepting connections at once,
/// every in-flight request still completes, and their usage events (held in a partial batch that would otherwise
/// wait a minute) are delivered before the host has finished stopping.</summary>
public sealed class GracefulShutdownTests(ShutdownSystem fixture) : IClassFixture<ShutdownSystem>
{
    private const int InFlight = 8;

    /// <summary>How long the provider takes to answer: the window in which the Edge is stopping with work in flight.</summary>
    private static readonly TimeSpan ProviderDelay = TimeSpan.FromSeconds(4);

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Theory]
    [InlineData("Direct")]
    [InlineData("Dapr")]
    public async Task Stopping_an_Edge_finishes_in_flight_requests_and_flushes_their_usage(string transport)
    {
        var system = fixture.System;
        await using var slow = await FakeOpenAiServer.StartAsync();
        slow.HeadersDelay = ProviderDelay;
        slow.Answer = "A slow but complete answer.";
        var tenant = await system.CreateTenantAsync();
        await system.CreateVirtualKeyAsync(tenant.Id, "slow", slow.BaseUrl);
        var edge = system.StartEdge(transport, new Dictionary<string, string?>
        {
            // Only the flush on shutdown can deliver these events in time.
            ["Usage:FlushInterval"] = "00:01:00",
            ["Usage:BatchSize"] = "1000",
        });
        var lifetime = edge.Services.GetRequiredService<IHostApplicationLifetime>();
        var publishedBefore = system.Sidecar.Published.Count;
        using var http = new HttpClient { BaseAddress = edge.HttpAddress, Timeout = TimeSpan.FromMinutes(1) };

        var requests = Enumerable.Range(0, InFlight).Select(_ => SendAsync(http, tenant)).ToList();
        Assert.Equal(InFlight, (await slow.WaitForRequestsAsync(InFlight, Timeout)).Count);
        var stopped = edge.DisposeAsync().AsTask();
        await PollAsync(() => lifetime.ApplicationStopping.IsCancellationRequested, "the shutdown to begin");
        await PollAsync(() => !Accepts(edge.HttpPort), "new connections to be refused");
        Assert.DoesNotContain(requests, r => r.IsCompleted); // refused while the earlier requests are still running

        var answers = await Task.WhenAll(requests);
        await stopped.WaitAsync(Timeout);

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.All(answers, a => Assert.Contains(slow.Answer, a.Body, StringComparison.Ordinal));
        var traceIds = answers.Select(a => a.TraceId).Order(StringComparer.Ordinal).ToList();
        if (transport == "Direct")
        {
            // The ingest RPC answers after the commit: stored before the host finished stopping, no waiting needed.
            var stored = await system.ListRequestsAsync(tenant.Id);
            Assert.Equal(traceIds, stored.Select(e => e.TraceId).Order(StringComparer.Ordinal));
            Assert.All(stored, e => Assert.Equal(200, e.StatusCode));
        }
        else
        {
            // Accepted by the sidecar before the host finished stopping; delivered to Analytics from there.
            var published = system.Sidecar.Published.Skip(publishedBefore)
                .SelectMany(m => JsonParser.Default.Parse<UsageBatch>(m.DataText).Events)
                .Where(e => e.TenantId == tenant.Id).Select(e => e.TraceId).Order(StringComparer.Ordinal);
            Assert.Equal(traceIds, published);
        }

        await system.AssertEveryEventOnceAsync(tenant.Id, traceIds, FaultDurations.Settle);
    }

    private static async Task<(string TraceId, HttpStatusCode Status, string Body)> SendAsync(HttpClient http, TestTenant tenant)
    {
        var traceId = "shutdown-" + Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"take your time"}]}""", Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-gateway-api-key", tenant.ApiKey);
        request.Headers.Add("x-gateway-virtual-key", "slow");
        request.Headers.Add("x-gateway-trace-id", traceId);
        using var response = await http.SendAsync(request);
        return (traceId, response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static bool Accepts(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static async Task PollAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Waited {Timeout} for {what}.");
            }

            await Task.Delay(10);
        }
    }
}
