using System.Globalization;
using System.Net;
using System.Text;
using Xunit.Abstractions;

namespace Gateway.Edge.Tests.Hostile;

/// <summary>The hostile-input suite: a fixed corpus and seeded random mutations sent to a real Edge over sockets.
/// Every response must be a 4xx with a JSON error (success only where the body is still a valid JSON object; never
/// a 500), the Edge must still serve a valid request afterwards, its managed memory stay bounded, and no log entry
/// carry the gateway key, the provider key or the prompt marker. Longer runs: <c>GATEWAY_FUZZ_ITERATIONS</c> (random
/// cases, default 1500) and <c>GATEWAY_FUZZ_SEED</c> (default 20261123); a failure names the seed to replay it.</summary>
[Collection(EdgeCollection.Name)]
public sealed class HostileRequestTests(EdgeFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    private const int DefaultSeed = 20261123;
    private const int DefaultIterations = 1500;

    /// <summary>Generous: the test process also hosts KeyVault, Config, the fakes and other test classes.</summary>
    private const long MaxManagedGrowthBytes = 256L * 1024 * 1024;

    private HostileEdge _edge = null!;
    private HttpClient _client = null!;
    private HostileCorpus _corpus = null!;

    public async Task InitializeAsync()
    {
        _edge = await HostileEdge.StartAsync(fixture);
        _client = _edge.CreateClient();
        _corpus = new HostileCorpus(_edge);
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _edge.DisposeAsync();
    }

    [Fact]
    public async Task Fixed_corpus_gets_only_json_client_errors_and_the_edge_survives()
    {
        await AssertEveryEndpointServesAsync();
        var before = ManagedMemory();
        var cases = _corpus.Fixed();
        var stopwatch = System.Diagnostics.Stopwatch.StartNew();

        var failures = await HostileSender.RunAsync(_client, cases);

        output.WriteLine($"{cases.Count} fixed cases in {stopwatch.Elapsed.TotalSeconds:0.0} s");

        Assert.True(cases.Count > 1000, $"the corpus shrank to {cases.Count} cases");
        Assert.True(failures.Count == 0, $"{failures.Count} bad responses (first shown):\n" + string.Join("\n", failures));
        await AssertSurvivedAsync(before);
    }

    [Fact]
    public async Task Random_mutations_get_only_json_client_errors_and_the_edge_survives()
    {
        var seed = FromEnvironment("GATEWAY_FUZZ_SEED", DefaultSeed);
        var iterations = FromEnvironment("GATEWAY_FUZZ_ITERATIONS", DefaultIterations);
        await AssertEveryEndpointServesAsync();
        var before = ManagedMemory();

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();

        var failures = await HostileSender.RunAsync(_client, _corpus.Random(seed, iterations));

        output.WriteLine($"{iterations} random cases (seed {seed}) in {stopwatch.Elapsed.TotalSeconds:0.0} s");

        Assert.True(failures.Count == 0,
            $"{failures.Count} bad responses with GATEWAY_FUZZ_SEED={seed} GATEWAY_FUZZ_ITERATIONS={iterations} (first shown):\n" + string.Join("\n", failures));
        await AssertSurvivedAsync(before);
    }

    [Fact]
    public void Same_seed_makes_the_same_requests()
    {
        var first = _corpus.Random(7, 50);
        var second = _corpus.Random(7, 50);

        Assert.Equal(first.Select(c => c.Name), second.Select(c => c.Name));
        Assert.All(first.Zip(second), pair => Assert.Equal(pair.First.Body, pair.Second.Body));
    }

    [Fact]
    public async Task Oversized_body_is_413_with_a_json_error_naming_the_limit()
    {
        var chat = _corpus.Endpoints[0];
        var body = Encoding.UTF8.GetBytes(chat.Json()[..^1] + ",\"pad\":\"" + new string('p', HostileEdge.MaxRequestBodyBytes) + "\"}");
        foreach (var chunked in (bool[])[false, true])
        {
            var hostile = new HostileCase("oversized", "POST", chat.Path, body, "application/json",
                [new("Authorization", "Bearer " + _edge.Tenant.ApiKey), new("x-gateway-virtual-key", chat.VirtualKey)], Expect.TooLarge, Chunked: chunked);
            using var request = new HttpRequestMessage(HttpMethod.Post, chat.Path) { Content = new ByteArrayContent(body) };
            request.Headers.Authorization = new("Bearer", _edge.Tenant.ApiKey);
            request.Headers.Add("x-gateway-virtual-key", chat.VirtualKey);
            if (chunked)
            {
                request.Headers.TransferEncodingChunked = true;
            }

            using var response = await _client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();

            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
            Assert.Null(HostileSender.Judge(hostile, 413, response.Content.Headers.ContentType?.MediaType, Encoding.UTF8.GetBytes(text)));
            Assert.Contains("request_too_large", text, StringComparison.Ordinal);
            Assert.Contains(HostileEdge.MaxRequestBodyBytes.ToString(CultureInfo.InvariantCulture), text, StringComparison.Ordinal);
        }
    }

    private async Task AssertEveryEndpointServesAsync()
    {
        foreach (var endpoint in _corpus.Endpoints)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, endpoint.Path)
            {
                Content = new StringContent(endpoint.Json(), Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new("Bearer", _edge.Tenant.ApiKey);
            request.Headers.Add("x-gateway-virtual-key", endpoint.VirtualKey);
            using var response = await _client.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{endpoint.Path} with {endpoint.VirtualKey}: {(int)response.StatusCode} {body}");
        }
    }

    private async Task AssertSurvivedAsync(long before)
    {
        await AssertEveryEndpointServesAsync();
        using var alive = await _client.GetAsync("/alive");
        Assert.Equal(HttpStatusCode.OK, alive.StatusCode);

        var growth = ManagedMemory() - before;
        output.WriteLine($"managed memory growth {growth / 1024} KiB, {_edge.Logs.Entries} log entries checked");
        Assert.True(growth < MaxManagedGrowthBytes, $"managed memory grew by {growth / (1024 * 1024)} MB");
        Assert.True(_edge.Logs.Entries > 0, "the log capture saw nothing: it is not wired");
        Assert.True(_edge.Logs.Leaks.Count == 0, "secrets or prompts in the logs:\n" + string.Join("\n", _edge.Logs.Leaks));
        Assert.Equal(0, _edge.Logs.UnexpectedErrors);
    }

    private static long ManagedMemory()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        return GC.GetTotalMemory(forceFullCollection: true);
    }

    private static int FromEnvironment(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 0
            ? value
            : fallback;
}
