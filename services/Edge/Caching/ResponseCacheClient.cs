using System.Collections.Concurrent;
using Grpc.Core;
using Microsoft.Extensions.Options;
using CacheV1 = Gateway.Contracts.Cache.V1;

namespace Gateway.Edge.Caching;

/// <summary>The Edge's side of the response cache, around the Cache service's gRPC client.
/// <list type="bullet">
/// <item>Fail-open: a lookup that fails or misses its short deadline (<see cref="ResponseCacheOptions.GetTimeout"/>) is
/// a miss, counted in <c>gateway.cache.errors</c>; the client never sees a cache error.</item>
/// <item>Stores are queued (<see cref="CachePutQueue"/>) and sent off the request path; entries over
/// <see cref="ResponseCacheOptions.MaxEntryBytes"/> are not stored (counted).</item>
/// <item>Single flight per Edge: while one request for a (tenant, namespace, key) is looking up or filling the entry,
/// identical requests wait for its answer (up to <see cref="ResponseCacheOptions.CoalesceWait"/>) instead of calling the
/// provider; they are hits. If the first one fails, or the wait runs out, each goes upstream itself.</item>
/// <item>Hot tier (<see cref="HotEntryCache"/>): answers fetched from or stored to the Cache service are kept in process
/// for <see cref="ResponseCacheOptions.HotTtl"/> at most (never past their max-age), so a repeated hit skips the gRPC
/// hop; a refresh replaces the entry. A purge (sent by the CLI to the Cache service, not to any Edge) reaches the hot
/// tiers of the Edges within <see cref="ResponseCacheOptions.HotTtl"/>; nothing is dropped here on a purge.</item>
/// </list>
/// Usage: <c>using var lookup = await LookupAsync(...)</c>; serve <see cref="CacheLookup.Answer"/> on a hit, otherwise
/// forward and call <see cref="CacheLookup.Store"/> with the complete successful answer. Disposing a lookup that did
/// not store releases the requests waiting on it.</summary>
internal sealed partial class ResponseCacheClient(
    CacheV1.Cache.CacheClient client,
    CachePutQueue puts,
    ResponseCacheMetrics metrics,
    CacheWarnings warnings,
    IOptions<ResponseCacheOptions> options,
    ILogger<ResponseCacheClient> logger) : IDisposable
{
    private readonly ResponseCacheOptions _options = options.Value;
    private readonly HotEntryCache _hot = new(options.Value);
    private readonly ConcurrentDictionary<CacheEntryRef, TaskCompletionSource<StoredAnswer?>> _flights = new();
    private int _waiting;

    public ResponseCacheOptions Options => _options;

    public ResponseCacheMetrics Metrics => metrics;

    /// <summary>Entries currently being looked up or filled on this Edge.</summary>
    public int FlightsInProgress => _flights.Count;

    /// <summary>Requests currently waiting for an identical request's answer.</summary>
    public int WaitingRequests => Volatile.Read(ref _waiting);

    /// <summary>Entries held in the in-process hot tier.</summary>
    public int HotEntryCount => _hot.Count;

    /// <param name="key">The content key (<see cref="CacheKey.Compute"/>).</param>
    public async ValueTask<CacheLookup> LookupAsync(string tenantId, CacheDirective directive, string key, CancellationToken cancellationToken)
    {
        if (!directive.IsOn)
        {
            return CacheLookup.Disabled;
        }

        var entry = new CacheEntryRef(tenantId, directive.Namespace, key);
        if (directive.Mode == CacheMode.Refresh)
        {
            metrics.Refresh();
            return new CacheLookup(this, entry, directive.TimeToLive, CacheStatus.Refresh, answer: null, flight: null);
        }

        if (_hot.TryGet(entry, out var hot))
        {
            metrics.Hit();
            metrics.HotHit();
            return new CacheLookup(this, entry, directive.TimeToLive, CacheStatus.Hit, hot, flight: null);
        }

        while (true)
        {
            if (_flights.TryGetValue(entry, out var running))
            {
                return await FollowAsync(entry, directive.TimeToLive, running, cancellationToken);
            }

            var flight = new TaskCompletionSource<StoredAnswer?>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_flights.TryAdd(entry, flight))
            {
                return await LeadAsync(entry, directive.TimeToLive, flight, cancellationToken);
            }
        }
    }

    /// <summary>Queues <paramref name="answer"/> for storing and hands it to the requests waiting on
    /// <paramref name="flight"/>. The flight stays visible until the store is done, so identical requests arriving
    /// before the Cache service has the entry are still served from memory.</summary>
    internal void Store(CacheEntryRef entry, TimeSpan timeToLive, StoredAnswer answer, TaskCompletionSource<StoredAnswer?>? flight)
    {
        flight?.TrySetResult(answer);
        Action? done = flight is null ? null : () => _flights.TryRemove(KeyValuePair.Create(entry, flight));

        // The header is a few hundred bytes; checking before encoding spares copying an answer that will not fit.
        if (answer.Completion.Length + 1024 > _options.MaxEntryBytes)
        {
            metrics.Oversized();
            done?.Invoke();
            return;
        }

        answer = answer with { ExpiresAt = answer.StoredAt + timeToLive };
        var value = answer.Encode();
        if (value.Length > _options.MaxEntryBytes)
        {
            metrics.Oversized();
            done?.Invoke();
            return;
        }

        // Also on a refresh: the new answer replaces the held one.
        _hot.Set(entry, answer, answer.ExpiresAt!.Value);
        puts.TryEnqueue(new PendingPut(entry.TenantId, entry.Namespace, entry.Key, value, timeToLive, done));
    }

    /// <summary>The leader went away without an answer: its followers go upstream themselves.</summary>
    internal void Abandon(CacheEntryRef entry, TaskCompletionSource<StoredAnswer?> flight)
    {
        flight.TrySetResult(null);
        _flights.TryRemove(KeyValuePair.Create(entry, flight));
    }

    private async ValueTask<CacheLookup> LeadAsync(CacheEntryRef entry, TimeSpan timeToLive,
        TaskCompletionSource<StoredAnswer?> flight, CancellationToken cancellationToken)
    {
        StoredAnswer? stored;
        try
        {
            stored = await GetAsync(entry, cancellationToken);
        }
        catch
        {
            Abandon(entry, flight);
            throw;
        }

        if (stored is null)
        {
            metrics.Miss();
            return new CacheLookup(this, entry, timeToLive, CacheStatus.Miss, answer: null, flight);
        }

        // The entry's own expiry; entries written before it was recorded are bounded by the max-age asked for now.
        _hot.Set(entry, stored, stored.ExpiresAt ?? stored.StoredAt + timeToLive);
        flight.TrySetResult(stored);
        _flights.TryRemove(KeyValuePair.Create(entry, flight));
        metrics.Hit();
        return new CacheLookup(this, entry, timeToLive, CacheStatus.Hit, stored, flight: null);
    }

    private async ValueTask<CacheLookup> FollowAsync(CacheEntryRef entry, TimeSpan timeToLive,
        TaskCompletionSource<StoredAnswer?> running, CancellationToken cancellationToken)
    {
        StoredAnswer? answer = null;
        Interlocked.Increment(ref _waiting);
        try
        {
            answer = await running.Task.WaitAsync(_options.CoalesceWait, cancellationToken);
        }
        catch (TimeoutException)
        {
            // The first request is taking too long: stop waiting and ask the provider.
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }

        if (answer is null)
        {
            metrics.Miss();
            return new CacheLookup(this, entry, timeToLive, CacheStatus.Miss, answer: null, flight: null);
        }

        metrics.Hit();
        metrics.Coalesced();
        return new CacheLookup(this, entry, timeToLive, CacheStatus.Hit, answer, flight: null) { Coalesced = true };
    }

    /// <summary>The stored answer, or null on a miss and on any failure (fail-open).</summary>
    private async Task<StoredAnswer?> GetAsync(CacheEntryRef entry, CancellationToken cancellationToken)
    {
        CacheV1.CacheGetResponse response;
        try
        {
            response = await client.GetAsync(
                new CacheV1.CacheGetRequest { TenantId = entry.TenantId, Namespace = entry.Namespace, Key = entry.Key },
                deadline: DateTime.UtcNow + _options.GetTimeout, cancellationToken: cancellationToken);
        }
        catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
        {
            metrics.Error("get");
            if (warnings.ShouldWarn())
            {
                LogGetFailed(logger, entry.TenantId, ex.StatusCode, ex.Status.Detail);
            }

            return null;
        }

        if (!response.Found)
        {
            return null;
        }

        var answer = StoredAnswer.TryDecode(response.Value.Memory);
        if (answer is null)
        {
            // Another format version (a rollout in progress) or a damaged value: a miss, which the store replaces.
            metrics.Error("decode");
        }

        return answer;
    }

    public void Dispose() => _hot.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Cache lookup for tenant {Tenant} failed with {StatusCode}: {Detail} (served uncached)")]
    private static partial void LogGetFailed(ILogger logger, string tenant, StatusCode statusCode, string detail);
}
