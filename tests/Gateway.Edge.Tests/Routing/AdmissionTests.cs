extern alias edge;

using System.Collections.Concurrent;
using System.Net;
using edge::Gateway.Edge.Errors;
using edge::Gateway.Edge.Limits;
using edge::Gateway.Edge.Usage;
using Gateway.Testing;
using Gateway.Testing.Providers;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Edge.Tests.Routing;

/// <summary>The admission hook: once per request, after the body and the first target are known, before any upstream
/// call; its headers reach the client; the usage event's cost settles it.</summary>
[Collection(EdgeCollection.Name)]
public sealed class AdmissionTests(EdgeFixture fixture) : IAsyncLifetime
{
    private readonly CapturingUsageRecorder _usage = new();
    private readonly RecordingAdmission _admission = new();
    private ServiceHost<edge::Program> _edge = null!;
    private RoutingHarness _harness = null!;

    public async Task InitializeAsync()
    {
        _harness = await RoutingHarness.StartAsync(fixture);
        // As EdgeFixture.StartEdge, with the admission replaced by one that records its calls.
        var settings = TestSecrets.Settings();
        settings["services:keyvault:grpc:0"] = fixture.KeyVaultGrpcAddress.ToString();
        settings["services:config:grpc:0"] = fixture.ConfigGrpcAddress.ToString();
        settings["services:analytics:grpc:0"] = $"http://127.0.0.1:{FreePort.Next()}";
        settings["ConnectionStrings:redis"] = fixture.Redis.ConnectionString;
        settings["Usage:Transport"] = "Direct";
        settings["Edge:UpstreamTimeout"] = EdgeFixture.UpstreamTimeout.ToString();
        _edge = new ServiceHost<edge::Program>(settings, services =>
        {
            services.AddSingleton<IUsageRecorder>(_usage);
            services.AddSingleton<IRequestAdmission>(_admission);
        }).Start();
    }

    public async Task DisposeAsync()
    {
        await _edge.DisposeAsync();
        await _harness.DisposeAsync();
    }

    [Fact]
    public async Task Admits_once_before_upstream_and_settles_with_the_events_cost()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        var (b, slugB) = await _harness.ProviderAsync();
        a.Enqueue(FakeBehavior.Status(503));
        _admission.OnAdmit = () => _admission.UpstreamCallsAtAdmit = a.Requests.Count + b.Requests.Count;
        var traceId = ChatRequests.NewTraceId();
        using var client = _edge.CreateHttpClient();

        using var response = await client.SendAsync(_harness.Chat(RoutingHarness.Fallback(slugA, slugB), traceId,
            """{"model":"gpt-4o-mini","max_completion_tokens":64,"messages":[{"role":"user","content":"hi"}]}"""));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("42", Assert.Single(response.Headers.GetValues("x-ratelimit-remaining-requests")));
        var request = Assert.Single(_admission.Admitted);
        Assert.Equal(("openai", "gpt-4o-mini", 64L), (request.Provider, request.Model, request.MaxOutputTokens));
        Assert.True(request.RequestBytes > 0);
        Assert.Equal(0, _admission.UpstreamCallsAtAdmit);
        var usage = await _usage.SingleAsync(traceId);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (_admission.Settled.IsEmpty && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        var (cost, tokens) = Assert.Single(_admission.Settled);
        Assert.Equal(Gateway.Contracts.ExactDecimal.ToText(cost), usage.CostUsd);
        Assert.Equal(usage.InputTokens + usage.OutputTokens, tokens);
    }

    [Fact]
    public async Task A_refusal_is_answered_with_its_headers_and_nothing_goes_upstream()
    {
        var (a, slugA) = await _harness.ProviderAsync();
        _admission.Refuse = true;
        var traceId = ChatRequests.NewTraceId();
        using var client = _edge.CreateHttpClient();

        using var response = await client.SendAsync(_harness.Chat(RoutingHarness.Fallback(slugA), traceId));

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("rate_limit_exceeded", await RoutingHarness.ErrorCodeAsync(response));
        Assert.Equal("9", Assert.Single(response.Headers.GetValues("retry-after")));
        Assert.Empty(a.Requests);
        Assert.Equal(429, (await _usage.SingleAsync(traceId)).StatusCode);
        Assert.Empty(_admission.Settled);
    }

    private sealed class RecordingAdmission : IRequestAdmission
    {
        public ConcurrentQueue<AdmissionRequest> Admitted { get; } = new();

        public ConcurrentQueue<(decimal Cost, long Tokens)> Settled { get; } = new();

        public Action? OnAdmit { get; set; }

        public int UpstreamCallsAtAdmit { get; set; } = -1;

        public bool Refuse { get; set; }

        public ValueTask<Outcome<Admission>> AdmitAsync(AdmissionRequest request, CancellationToken cancellationToken)
        {
            Admitted.Enqueue(request);
            OnAdmit?.Invoke();
            if (Refuse)
            {
                var headers = new List<KeyValuePair<string, string>> { new("retry-after", "9"), new("x-ratelimit-remaining-requests", "0") };
                return ValueTask.FromResult(new Outcome<Admission>(
                    new Admission(request.Caller.TenantId, request.Caller.ApiKeyId, 0m, "", headers),
                    new GatewayError(429, "rate_limit_error", "rate_limit_exceeded", "slow down")));
            }

            return ValueTask.FromResult<Outcome<Admission>>(new Admission(request.Caller.TenantId, request.Caller.ApiKeyId, 0.01m, "2026-11",
                [new("x-ratelimit-remaining-requests", "42")]));
        }

        public ValueTask SettleAsync(Admission admission, decimal actualCostUsd, long totalTokens)
        {
            Settled.Enqueue((actualCostUsd, totalTokens));
            return ValueTask.CompletedTask;
        }
    }
}
