using System.Diagnostics;
using System.Net;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Routing;

/// <summary>Retries of one target: how many, on what, how long apart, and never past the request's deadline.</summary>
[Collection(EdgeCollection.Name)]
public sealed class RetryTests(EdgeFixture fixture) : IAsyncLifetime
{
    private RoutingHarness _harness = null!;

    public async Task InitializeAsync() => _harness = await RoutingHarness.StartAsync(fixture);

    public async Task DisposeAsync() => await _harness.DisposeAsync();

    [Fact]
    public async Task Retries_until_success_within_the_attempts()
    {
        var (a, slug) = await _harness.ProviderAsync();
        a.Enqueue(FakeBehavior.Status(503), FakeBehavior.Status(500), FakeBehavior.Ok);
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(_harness.Chat($$"""{"retry":{"attempts":2},"virtual_key":"{{slug}}"}""", traceId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(3, a.Requests.Count);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal(new[] { 503, 500, 200 }, usage.Attempts.Select(t => t.StatusCode));
        Assert.Equal(200, usage.StatusCode);
    }

    [Fact]
    public async Task Gives_up_after_the_attempts_with_the_last_error()
    {
        var (a, slug) = await _harness.ProviderAsync();
        a.Enqueue(FakeBehavior.Status(503), FakeBehavior.Status(502), FakeBehavior.Ok);
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(_harness.Chat($$"""{"retry":{"attempts":1},"virtual_key":"{{slug}}"}""", ChatRequests.NewTraceId()));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Equal(2, a.Requests.Count);
    }

    [Fact]
    public async Task Client_errors_and_unlisted_statuses_are_not_retried()
    {
        var (a, slug) = await _harness.ProviderAsync();
        a.Enqueue(FakeBehavior.Status(400), FakeBehavior.Status(500));
        using var client = fixture.Edge.CreateHttpClient();

        using var bad = await client.SendAsync(_harness.Chat($$"""{"retry":{"attempts":3},"virtual_key":"{{slug}}"}""", ChatRequests.NewTraceId()));
        using var unlisted = await client.SendAsync(_harness.Chat(
            $$"""{"retry":{"attempts":3,"on_status_codes":[503]},"virtual_key":"{{slug}}"}""", ChatRequests.NewTraceId()));

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.InternalServerError, unlisted.StatusCode);
        Assert.Equal(2, a.Requests.Count);
    }

    [Fact]
    public async Task Retry_after_is_honoured()
    {
        var (a, slug) = await _harness.ProviderAsync();
        a.Enqueue(FakeBehavior.RateLimited(1), FakeBehavior.Ok);
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(_harness.Chat($$"""{"retry":{"attempts":1},"virtual_key":"{{slug}}"}""", ChatRequests.NewTraceId()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var requests = a.Requests;
        Assert.Equal(2, requests.Count);
        var gap = requests[1].ReceivedAt - requests[0].ReceivedAt;
        Assert.True(gap >= TimeSpan.FromMilliseconds(950) && gap < TimeSpan.FromSeconds(8), $"gap {gap}");
    }

    [Fact]
    public async Task A_wait_past_the_request_deadline_is_not_taken()
    {
        var (a, slug) = await _harness.ProviderAsync();
        a.Enqueue(FakeBehavior.RateLimited(30), FakeBehavior.Ok);
        using var client = fixture.Edge.CreateHttpClient();
        var request = _harness.Chat($$"""{"retry":{"attempts":3},"virtual_key":"{{slug}}"}""", ChatRequests.NewTraceId());
        request.Headers.Add("x-gateway-request-timeout", "2000");
        var watch = Stopwatch.StartNew();

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("30", Assert.Single(response.Headers.GetValues("retry-after")));
        // Neither the 30 s hint nor the 2 s deadline was waited out.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(1.9), $"took {watch.Elapsed}");
        Assert.Single(a.Requests);
    }

    [Fact]
    public async Task Backoff_spaces_retries_without_exceeding_the_cap()
    {
        var (a, slug) = await _harness.ProviderAsync();
        a.Enqueue(FakeBehavior.Status(500), FakeBehavior.Status(500), FakeBehavior.Status(500), FakeBehavior.Ok);
        using var client = fixture.Edge.CreateHttpClient();
        var watch = Stopwatch.StartNew();

        using var response = await client.SendAsync(_harness.Chat($$"""{"retry":{"attempts":3},"virtual_key":"{{slug}}"}""", ChatRequests.NewTraceId()));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(4, a.Requests.Count);
        // Full jitter: at most 200 + 400 + 800 ms of waiting with the default options, plus the calls themselves.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(8), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task Timeouts_are_retried()
    {
        var (a, slug) = await _harness.ProviderAsync();
        a.Enqueue(FakeBehavior.Hang, FakeBehavior.Ok);
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(_harness.Chat(
            $$"""{"retry":{"attempts":1},"request_timeout":300,"virtual_key":"{{slug}}"}""", traceId));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new[] { "upstream_timeout", "" }, (await fixture.Usage.SingleAsync(traceId)).Attempts.Select(t => t.ErrorType));
    }
}
