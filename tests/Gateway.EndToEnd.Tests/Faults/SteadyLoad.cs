using System.Diagnostics;
using System.Text;
using Gateway.EndToEnd.Tests.Infrastructure;

namespace Gateway.EndToEnd.Tests.Faults;

/// <summary>One answer of a <see cref="SteadyLoad"/>: status 0 when no HTTP answer came (the error says why).</summary>
internal sealed record LoadResult(string TraceId, int Status, string? CacheStatus, DateTime StartedAt, TimeSpan Elapsed, string? Error);

/// <summary>Steady traffic through one Edge: a chat request every <c>interval</c> (not waiting for earlier answers,
/// like independent clients), each with its own <c>x-gateway-trace-id</c> so its usage event can be found in
/// Analytics. Runs until <see cref="StopAsync"/>, which waits for every answer.</summary>
internal sealed class SteadyLoad : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly TestTenant _tenant;
    private readonly string _virtualKey;
    private readonly IReadOnlyDictionary<string, string> _headers;
    private readonly Func<int, string> _body;
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task<LoadResult>> _requests = [];
    private readonly Lock _gate = new();
    private readonly Task _loop;

    private SteadyLoad(Uri edge, TestTenant tenant, TimeSpan interval, string virtualKey,
        IReadOnlyDictionary<string, string>? headers, Func<int, string>? body)
    {
        _http = new HttpClient { BaseAddress = edge, Timeout = TimeSpan.FromSeconds(60) };
        _tenant = tenant;
        _virtualKey = virtualKey;
        _headers = headers ?? new Dictionary<string, string>();
        _body = body ?? (i => $$"""{"model":"mock-1","messages":[{"role":"user","content":"fault load {{i}}"}]}""");
        _loop = RunAsync(interval);
    }

    /// <summary>Requests started so far.</summary>
    public int Sent
    {
        get
        {
            lock (_gate)
            {
                return _requests.Count;
            }
        }
    }

    /// <param name="body">The request body for the i-th request (default: a distinct prompt for the mock provider).</param>
    public static SteadyLoad Start(Uri edge, TestTenant tenant, TimeSpan interval, string virtualKey = "mock",
        IReadOnlyDictionary<string, string>? headers = null, Func<int, string>? body = null) =>
        new(edge, tenant, interval, virtualKey, headers, body);

    /// <summary>Waits until <paramref name="count"/> requests have been started.</summary>
    public async Task WaitForSentAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (Sent < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Only {Sent} of {count} requests were started.");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Stops sending and returns every answer once all have arrived.</summary>
    public async Task<IReadOnlyList<LoadResult>> StopAsync()
    {
        await _stop.CancelAsync();
        await _loop;
        Task<LoadResult>[] requests;
        lock (_gate)
        {
            requests = [.. _requests];
        }

        return await Task.WhenAll(requests);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await StopAsync();
        }

        _http.Dispose();
        _stop.Dispose();
    }

    private async Task RunAsync(TimeSpan interval)
    {
        using var timer = new PeriodicTimer(interval);
        try
        {
            for (var i = 0; ; i++)
            {
                var request = SendAsync(i);
                lock (_gate)
                {
                    _requests.Add(request);
                }

                await timer.WaitForNextTickAsync(_stop.Token);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopped.
        }
    }

    private async Task<LoadResult> SendAsync(int i)
    {
        await Task.Yield();
        var traceId = "fault-" + Guid.NewGuid().ToString("N");
        var started = DateTime.UtcNow;
        var watch = Stopwatch.StartNew();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = new StringContent(_body(i), Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("x-gateway-api-key", _tenant.ApiKey);
            request.Headers.Add("x-gateway-virtual-key", _virtualKey);
            request.Headers.Add("x-gateway-trace-id", traceId);
            foreach (var (name, value) in _headers)
            {
                request.Headers.Add(name, value);
            }

            using var response = await _http.SendAsync(request);
            var body = await response.Content.ReadAsStringAsync();
            var cache = response.Headers.TryGetValues("x-gateway-cache", out var values) ? values.FirstOrDefault() : null;
            var error = (int)response.StatusCode >= 400 ? body : null;
            return new LoadResult(traceId, (int)response.StatusCode, cache, started, watch.Elapsed, error);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            return new LoadResult(traceId, 0, null, started, watch.Elapsed, ex.GetType().Name + ": " + ex.Message);
        }
    }
}
