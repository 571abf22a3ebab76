using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.EndToEnd.Tests.Infrastructure;
using Gateway.Testing.Providers;

namespace Gateway.EndToEnd.Tests.Faults;

/// <summary>One gateway for the provider fault table: its Edge has a one-minute upstream timeout (what a hang would
/// cost without a request timeout) and breakers that open after three consecutive failures.</summary>
public sealed class ProviderFaultSystem : IAsyncLifetime
{
    internal FaultSystem System { get; private set; } = null!;

    internal TestTenant Tenant { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        System = await FaultSystem.StartAsync(new Dictionary<string, string?>
        {
            ["Edge:UpstreamTimeout"] = "00:01:00",
            ["Edge:Routing:BreakerFailureThreshold"] = "3",
            ["Edge:Routing:BreakerCoolDown"] = "00:10:00",
        });
        Tenant = await System.CreateTenantAsync();
    }

    public async Task DisposeAsync() => await System.DisposeAsync();
}

/// <summary>Providers that hang, reset the connection, answer garbage or 5xx, seen end to end: what the client gets,
/// within which bound, which target served, and the failed attempts as Analytics stores them. (The routing tests
/// prove the mechanics against a captured recorder; this is the whole system with real usage delivery.)</summary>
public sealed class ProviderFaultTests(ProviderFaultSystem fixture) : IClassFixture<ProviderFaultSystem>, IAsyncLifetime
{
    /// <summary>Per attempt, in the routing config; far below the Edge's one-minute upstream timeout.</summary>
    private const int AttemptTimeoutMs = 1000;

    /// <summary>A loaded 2-core machine may be slow, but nowhere near the one-minute upstream timeout.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private readonly List<FakeOpenAiServer> _fakes = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var fake in _fakes)
        {
            await fake.DisposeAsync();
        }
    }

    public static TheoryData<string, string[], bool> Table => new()
    {
        // fault, error type of each attempt as stored by Analytics ("" = success), whether the fallback served
        { "hang", ["upstream_timeout", ""], true },
        { "reset", ["upstream_unreachable|upstream_stream_error", ""], true },
        { "5xx", ["upstream_503", ""], true },
        // A 200 is the provider's answer: relayed as it came (no fallback), never turned into a gateway 5xx.
        { "garbage", [""], false },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public async Task A_provider_fault_is_bounded_and_the_fallback_serves(string fault, string[] attempts, bool fallbackServes)
    {
        var (broken, brokenKey) = await ProviderAsync();
        var (backup, backupKey) = await ProviderAsync();
        backup.Answer = "Served by the backup target.";
        broken.Enqueue(fault switch
        {
            "hang" => FakeBehavior.Hang,
            "reset" => FakeBehavior.Reset,
            "5xx" => FakeBehavior.Status(503),
            _ => FakeBehavior.Garbage,
        });

        var answer = await SendAsync(Fallback(brokenKey, backupKey));

        Assert.Equal(HttpStatusCode.OK, answer.Status);
        Assert.True(answer.Elapsed < Bound, $"took {answer.Elapsed}");
        Assert.Single(broken.Requests);
        Assert.Equal(fallbackServes ? 1 : 0, backup.Requests.Count);
        Assert.Equal(fallbackServes, answer.Body.Contains(backup.Answer, StringComparison.Ordinal));
        var usage = await fixture.System.WaitForEventAsync(fixture.Tenant.Id, answer.TraceId);
        Assert.Equal(200, usage.StatusCode);
        Assert.Equal(attempts.Length, usage.Attempts.Count);
        for (var i = 0; i < attempts.Length; i++)
        {
            Assert.Contains(usage.Attempts[i].ErrorType, attempts[i].Split('|'));
        }
    }

    [Fact]
    public async Task A_hang_without_fallback_is_a_JSON_504_within_the_request_timeout()
    {
        var (broken, brokenKey) = await ProviderAsync();
        broken.Enqueue(FakeBehavior.Hang);

        var answer = await SendAsync(config: null, virtualKey: brokenKey, requestTimeoutMs: 1500);

        Assert.Equal(HttpStatusCode.GatewayTimeout, answer.Status);
        Assert.True(answer.Elapsed >= TimeSpan.FromMilliseconds(1400) && answer.Elapsed < Bound, $"took {answer.Elapsed}");
        using var error = JsonDocument.Parse(answer.Body);
        var body = error.RootElement.GetProperty("error");
        Assert.False(string.IsNullOrEmpty(body.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrEmpty(body.GetProperty("type").GetString()));
        await WaitForAbortAsync(broken);
        var usage = await fixture.System.WaitForEventAsync(fixture.Tenant.Id, answer.TraceId);
        Assert.Equal(504, usage.StatusCode);
        Assert.Equal("upstream_timeout", Assert.Single(usage.Attempts).ErrorType);
    }

    [Fact]
    public async Task After_three_failures_the_breaker_opens_and_the_broken_target_sees_no_more_calls()
    {
        var (broken, brokenKey) = await ProviderAsync();
        var (backup, backupKey) = await ProviderAsync();
        broken.Error = new FakeError(500, """{"error":{"message":"down","type":"server_error"}}""");
        var config = Fallback(brokenKey, backupKey);

        var answers = new List<Answer>();
        for (var i = 0; i < 6; i++)
        {
            answers.Add(await SendAsync(config));
        }

        Assert.All(answers, a => Assert.Equal(HttpStatusCode.OK, a.Status));
        Assert.Equal(3, broken.Requests.Count);
        Assert.Equal(6, backup.Requests.Count);
        var stored = new List<string>();
        foreach (var answer in answers)
        {
            var usage = await fixture.System.WaitForEventAsync(fixture.Tenant.Id, answer.TraceId);
            stored.Add(string.Join(",", usage.Attempts.Select(a => a.ErrorType)));
        }

        Assert.Equal(["upstream_500,", "upstream_500,", "upstream_500,", "circuit_open,", "circuit_open,", "circuit_open,"], stored);
    }

    private static string Fallback(string first, string second) =>
        $$"""{"request_timeout":{{AttemptTimeoutMs}},"strategy":{"mode":"fallback"},"targets":[{"virtual_key":"{{first}}"},{"virtual_key":"{{second}}"}]}""";

    private async Task<(FakeOpenAiServer Fake, string Slug)> ProviderAsync()
    {
        var fake = await FakeOpenAiServer.StartAsync();
        _fakes.Add(fake);
        var slug = "vk-" + Guid.NewGuid().ToString("N")[..12];
        await fixture.System.CreateVirtualKeyAsync(fixture.Tenant.Id, slug, fake.BaseUrl);
        return (fake, slug);
    }

    private async Task<Answer> SendAsync(string? config, string? virtualKey = null, int? requestTimeoutMs = null)
    {
        using var http = new HttpClient { BaseAddress = fixture.System.DirectEdge.HttpAddress, Timeout = TimeSpan.FromMinutes(2) };
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
        {
            Content = new StringContent("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"fault"}]}""", Encoding.UTF8, "application/json"),
        };
        var traceId = "fault-" + Guid.NewGuid().ToString("N");
        request.Headers.Add("x-gateway-api-key", fixture.Tenant.ApiKey);
        request.Headers.Add("x-gateway-trace-id", traceId);
        if (config is not null)
        {
            request.Headers.Add("x-gateway-config", config);
        }

        if (virtualKey is not null)
        {
            request.Headers.Add("x-gateway-virtual-key", virtualKey);
        }

        if (requestTimeoutMs is { } timeout)
        {
            request.Headers.Add("x-gateway-request-timeout", timeout.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var watch = Stopwatch.StartNew();
        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return new Answer(traceId, response.StatusCode, body, watch.Elapsed);
    }

    /// <summary>The Edge gave up on the hung call (cancelled it) rather than leaving it open.</summary>
    private static async Task WaitForAbortAsync(FakeOpenAiServer fake)
    {
        var deadline = DateTime.UtcNow + Bound;
        while (!fake.Requests.All(r => r.Aborted))
        {
            Assert.True(DateTime.UtcNow < deadline, "the hung upstream call was never cancelled");
            await Task.Delay(50);
        }
    }

    private sealed record Answer(string TraceId, HttpStatusCode Status, string Body, TimeSpan Elapsed);
}
