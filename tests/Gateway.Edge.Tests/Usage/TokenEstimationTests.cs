extern alias edge;

using System.Net;
using edge::Gateway.Edge.Usage;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Usage;

/// <summary>Providers that report no usage, through the real Edge: the gateway counts with its tokenizer, says so on
/// the event, and prices as usual; usage a provider did report is never replaced by an estimate.</summary>
[Collection(EdgeCollection.Name)]
public sealed class TokenEstimationTests(EdgeFixture fixture) : IAsyncLifetime
{
    private static readonly TokenEstimator Estimator = new();

    /// <summary>The text parts of <see cref="ChatRequests.Body"/>'s messages, as the estimator reads them.</summary>
    private static readonly long ChatInputTokens = Estimator.Count("Be brief.\nSay hello to the gateway");

    private FakeOpenAiServer _provider = null!;
    private TestTenant _tenant = null!;
    private string _virtualKey = "";

    public async Task InitializeAsync()
    {
        _provider = await FakeOpenAiServer.StartAsync();
        _tenant = await fixture.CreateTenantAsync();
        _virtualKey = (await fixture.CreateVirtualKeyAsync(_tenant, "openai", _provider.BaseUrl)).Slug;
    }

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_provider_without_usage_is_estimated_flagged_and_priced(bool stream)
    {
        _provider.ReportsUsage = false;
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(stream: stream), _tenant, _virtualKey, traceId));
        await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.True(usage.TokensEstimated);
        // "Hello from the fake OpenAI server." is 8 o200k_base tokens.
        Assert.Equal((ChatInputTokens, 0L, 8L), (usage.InputTokens, usage.CachedInputTokens, usage.OutputTokens));
        Assert.True(ChatInputTokens > 0);
        Assert.True(usage.Priced);
        // gpt-4o-mini: input 0.15, output 0.60 per 1M tokens.
        Assert.Equal(ChatInputTokens * 0.15m / 1_000_000 + 8 * 0.60m / 1_000_000, decimal.Parse(usage.CostUsd, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task A_stream_cut_off_before_its_usage_chunk_is_estimated_from_what_was_relayed()
    {
        _provider.DropAfterFirstChunk = true;
        // Held until the first word has reached the client, so the drop cannot overtake it.
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _provider.PauseAfterFirstChunk = gate;
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(stream: true), _tenant, _virtualKey, traceId),
            HttpCompletionOption.ResponseHeadersRead);
        using var reader = new SseReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("Hello ", SseReader.Content([(await reader.NextDataAsync())!, (await reader.NextDataAsync())!]));
        gate.SetResult();
        await reader.ReadAllAsync().WaitAsync(TimeSpan.FromSeconds(10));

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal("upstream_stream_error", usage.ErrorType);
        Assert.True(usage.TokensEstimated);
        // Only the first word reached the client before the provider dropped the connection.
        Assert.Equal((ChatInputTokens, (long)Estimator.Count("Hello ")), (usage.InputTokens, usage.OutputTokens));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Reported_usage_is_never_replaced_by_an_estimate(bool stream)
    {
        _provider.Usage = new FakeUsage(PromptTokens: 1000, CompletionTokens: 500);
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(stream: stream), _tenant, _virtualKey, traceId));
        await response.Content.ReadAsStringAsync();

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.False(usage.TokensEstimated);
        Assert.Equal((1000L, 500L), (usage.InputTokens, usage.OutputTokens));
    }

    [Fact]
    public async Task Legacy_completions_without_usage_are_estimated_from_the_prompt()
    {
        _provider.ReportsUsage = false;
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();
        using var request = ChatRequests.Create("""{"model":"gpt-4o-mini","prompt":"Once upon a time"}""", _tenant, _virtualKey, traceId);
        request.RequestUri = new Uri("/v1/completions", UriKind.Relative);

        using var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.True(usage.TokensEstimated);
        Assert.Equal((Estimator.Count("Once upon a time"), 8L), (usage.InputTokens, usage.OutputTokens));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Anthropic_format_clients_of_a_provider_without_usage_are_estimated(bool stream)
    {
        _provider.ReportsUsage = false;
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(Messages.MessagesRequests.Create(Messages.MessagesRequests.Body("gpt-4o-mini", stream),
            _tenant, _virtualKey, traceId));
        await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.True(usage.TokensEstimated);
        Assert.Equal((ChatInputTokens, 8L), (usage.InputTokens, usage.OutputTokens));
    }

    [Fact]
    public async Task A_provider_error_is_not_estimated()
    {
        _provider.ReportsUsage = false;
        _provider.Error = new FakeError(500, """{"error":{"message":"boom","type":"server_error"}}""");
        var traceId = ChatRequests.NewTraceId();
        using var client = fixture.Edge.CreateHttpClient();

        using var response = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(), _tenant, _virtualKey, traceId));

        var usage = await fixture.Usage.SingleAsync(traceId);
        Assert.Equal((500, false, 0L), (usage.StatusCode, usage.TokensEstimated, usage.InputTokens));
    }
}
