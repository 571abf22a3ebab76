extern alias edge;

using System.Net;
using Gateway.Testing;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Routing;

/// <summary>Circuit breaker transitions through a running Edge with a short cool-down.</summary>
[Collection(EdgeCollection.Name)]
public sealed class BreakerTests(EdgeFixture fixture) : IAsyncLifetime
{
    private static readonly TimeSpan CoolDown = TimeSpan.FromMilliseconds(2500);

    private readonly CapturingUsageRecorder _usage = new();
    private ServiceHost<edge::Program> _edge = null!;
    private RoutingHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await RoutingHarness.StartAsync(fixture);
        _edge = fixture.StartEdge(fixture.KeyVaultGrpcAddress, _usage, new Dictionary<string, string?>
        {
            ["Edge:Routing:BreakerFailureThreshold"] = "2",
            ["Edge:Routing:BreakerCoolDown"] = CoolDown.ToString(),
        });
    }

    public async Task DisposeAsync()
    {
        await _edge.DisposeAsync();
        await _harness.DisposeAsync();
    }

    [Fact]
    public async Task Opens_rejects_without_calling_then_probes_once_and_closes()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var (b, slugB) = await _harness.ProviderAsync();
        a.Error = new FakeError(500, """{"error":{"message":"down"}}""");
        var config = RoutingHarness.Fallback(slugA, slugB);
        using var client = _edge.CreateHttpClient();

        await SendOkAsync(client, config);
        await SendOkAsync(client, config);
        Assert.Equal(2, a.Requests.Count);

        // Open: a is skipped without a call; the attempt says why.
        var traceId = await SendOkAsync(client, config);
        Assert.Equal(2, a.Requests.Count);
        var usage = await _usage.SingleAsync(traceId);
        Assert.Equal(new[] { "circuit_open", "" }, usage.Attempts.Select(t => t.ErrorType));

        // Half-open after the cool-down: exactly one probe; a is healthy again, so the breaker closes.
        a.Error = null;
        await WaitForCoolDownAsync();
        await SendOkAsync(client, config);
        Assert.Equal(3, a.Requests.Count);
        await SendOkAsync(client, config);
        await SendOkAsync(client, config);
        Assert.Equal(5, a.Requests.Count);
        Assert.Equal(3, b.Requests.Count);
    }

    [Fact]
    public async Task A_failed_probe_reopens_the_breaker()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var (b, slugB) = await _harness.ProviderAsync();
        a.Error = new FakeError(503, """{"error":{"message":"down"}}""");
        var config = RoutingHarness.Fallback(slugA, slugB);
        using var client = _edge.CreateHttpClient();
        await SendOkAsync(client, config);
        await SendOkAsync(client, config);

        await WaitForCoolDownAsync();
        await SendOkAsync(client, config);
        Assert.Equal(3, a.Requests.Count);
        await SendOkAsync(client, config);

        Assert.Equal(3, a.Requests.Count);
        Assert.Equal(4, b.Requests.Count);
    }

    [Fact]
    public async Task Loadbalance_skips_a_target_whose_breaker_is_open()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var (b, slugB) = await _harness.ProviderAsync();
        a.Error = new FakeError(500, """{"error":{"message":"down"}}""");
        using var client = _edge.CreateHttpClient();
        var fallback = RoutingHarness.Fallback(slugA, slugB);
        await SendOkAsync(client, fallback);
        await SendOkAsync(client, fallback);
        var balance = $$"""{"strategy":{"mode":"loadbalance"},"targets":[{"virtual_key":"{{slugA}}","weight":1000},{"virtual_key":"{{slugB}}","weight":1}]}""";

        for (var i = 0; i < 5; i++)
        {
            await SendOkAsync(client, balance);
        }

        Assert.Equal(2, a.Requests.Count);
        Assert.Equal(7, b.Requests.Count);
    }

    [Fact]
    public async Task With_every_target_failing_the_client_gets_the_providers_error_not_the_open_circuit()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var (b, slugB) = await _harness.ProviderAsync();
        const string Down = """{"error":{"message":"b is down","code":"b_down"}}""";
        a.Error = new FakeError(500, """{"error":{"message":"a is down"}}""");
        b.Error = new FakeError(502, Down);
        using var client = _edge.CreateHttpClient();
        // b first: two failures open its breaker, then a fails with its own error while b is skipped.
        for (var i = 0; i < 2; i++)
        {
            using var opening = await client.SendAsync(_harness.Chat(RoutingHarness.Fallback(slugB), ChatRequests.NewTraceId()));
            Assert.Equal(HttpStatusCode.BadGateway, opening.StatusCode);
        }

        var traceId = ChatRequests.NewTraceId();
        using var response = await client.SendAsync(_harness.Chat(RoutingHarness.Fallback(slugA, slugB), traceId));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("""{"error":{"message":"a is down"}}""", await response.Content.ReadAsStringAsync());
        Assert.Equal(2, b.Requests.Count);
        var usage = await _usage.SingleAsync(traceId);
        Assert.Equal(new[] { "upstream_500", "circuit_open" }, usage.Attempts.Select(t => t.ErrorType));
        Assert.Equal((500, "upstream_500"), (usage.StatusCode, usage.ErrorType));
        Assert.NotEqual(Down, await response.Content.ReadAsStringAsync());
    }

    private static async Task WaitForCoolDownAsync() => await Task.Delay(CoolDown + TimeSpan.FromMilliseconds(100));

    private async Task<string> SendOkAsync(HttpClient client, string config)
    {
        var traceId = ChatRequests.NewTraceId();
        using var response = await client.SendAsync(_harness.Chat(config, traceId));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return traceId;
    }
}
