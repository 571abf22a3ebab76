using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using Gateway.Edge.Options;
using Grpc.Core;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Auth;

/// <summary>The in-process cache of KeyVault and Config answers (positive and negative), bounded in entries. Gateway
/// keys are cached under their SHA-256, so no plaintext key sits in the cache's key set.
/// <para>Each positive answer has a fresh-until (its TTL) and a stale-until (<see cref="EdgeOptions.StaleIfErrorFor"/>
/// later): <see cref="TryGet{T}"/> only returns fresh answers, and a reader whose refresh fails because the
/// dependency is down falls back on <see cref="TryServeStale{T}"/>. <see cref="Remove"/>, <see cref="RemoveWhere"/>
/// and <see cref="Clear"/> (Watch events, revocations, deletions) drop both, so an invalidated answer is never served
/// again; <see cref="MarkDue"/> (a Watch stream's READY after a gap) only ends the fresh part, so the next use asks
/// again but an outage can still be bridged. Negative answers are never kept stale: a key created during an outage
/// must not be refused as unknown.</para></summary>
internal sealed partial class KeyResolutionCache(
    IOptions<EdgeOptions> options,
    IMeterFactory? meterFactory = null,
    ILogger<KeyResolutionCache>? logger = null) : IDisposable
{
    public const string MeterName = "Gateway.Edge.KeyCache";
    public const string StaleServedName = "gateway.edge.cache.stale_served";

    public const string ApiKeyKind = "api:";

    /// <summary>The kinds of entry KeyVault answers (gateway keys, virtual keys, a tenant's providers).</summary>
    public static IReadOnlyList<string> KeyVaultKinds { get; } = [ApiKeyKind, "vk:", "providers:"];

    /// <summary>The kinds of entry Config answers (routing configs, tenant policies, the price table's models).</summary>
    public static IReadOnlyList<string> ConfigKinds { get; } = ["config:", "policy:", "models:"];

    private static readonly long WarningIntervalMs = (long)TimeSpan.FromSeconds(10).TotalMilliseconds;

    private readonly EdgeOptions _options = options.Value;
    private readonly MemoryCache _cache = new(new MemoryCacheOptions { SizeLimit = options.Value.KeyCacheEntries });
    private readonly Counter<long>? _staleServed = meterFactory?.Create(MeterName).CreateCounter<long>(StaleServedName, "{answer}",
        "Cached answers served after their TTL because KeyVault or Config was unavailable (dependency; kind: api, vk, policy, config).");

    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;
    private readonly ConcurrentDictionary<string, Task> _loading = new(StringComparer.Ordinal);
    private long _lastWarningMs = long.MinValue / 2;

    public bool TryGet<T>(string key, out T? value)
    {
        if (_cache.TryGetValue(key, out Entry? entry) && entry is not null && entry.IsFresh(Environment.TickCount64)
            && (entry.Value is null || entry.Value is T))
        {
            value = entry.Value is T typed ? typed : default;
            return true;
        }

        value = default;
        return false;
    }

    /// <summary>Caches <paramref name="value"/> for <paramref name="ttl"/>; a non-null value is kept a further
    /// <see cref="EdgeOptions.StaleIfErrorFor"/> for <see cref="TryServeStale{T}"/>. A zero TTL caches nothing.</summary>
    public void Set<T>(string key, T value, TimeSpan ttl)
    {
        if (ttl <= TimeSpan.Zero)
        {
            // Still replaces what was there: a refusal that is not cached must not leave an older answer to be
            // served stale later (a key revoked while the Edge was not listening).
            _cache.Remove(key);
            return;
        }

        var lifetime = value is null ? ttl : ttl + _options.StaleIfErrorFor;
        var freshUntil = Environment.TickCount64 + (long)ttl.TotalMilliseconds;
        var entry = new Entry(value, freshUntil, freshUntil + (long)_options.StaleIfErrorFor.TotalMilliseconds);
        _cache.Set(key, entry, new MemoryCacheEntryOptions { AbsoluteExpirationRelativeToNow = lifetime, Size = 1 });
    }

    /// <summary>After a failed refresh: the last known good answer if the failure means the dependency is down
    /// (not an answer about the key) and the answer is within its stale window. Serving it also postpones the
    /// next refresh by <see cref="EdgeOptions.StaleRetryInterval"/>, so an outage costs one timeout per entry and
    /// interval instead of one per request. Logged (throttled) and counted.</summary>
    public bool TryServeStale<T>(string key, StatusCode failure, string dependency, [NotNullWhen(true)] out T? value) where T : class
    {
        value = null;
        if (!IsOutage(failure) || !_cache.TryGetValue(key, out Entry? entry) || entry?.Value is not T stale)
        {
            return false;
        }

        // The stale window on the clock freshness uses: MemoryCache expires the entry by its own clock, which can lag
        // this one by a tick, so with a zero window an entry could otherwise be found stale but not yet evicted.
        var now = Environment.TickCount64;
        if (!entry.IsServableStale(now))
        {
            return false;
        }

        entry.Postpone(now + (long)_options.StaleRetryInterval.TotalMilliseconds);
        value = stale;
        _staleServed?.Add(1, new KeyValuePair<string, object?>("dependency", dependency), new KeyValuePair<string, object?>("kind", KindOf(key)));
        var last = Interlocked.Read(ref _lastWarningMs);
        if (now - last >= WarningIntervalMs && Interlocked.CompareExchange(ref _lastWarningMs, now, last) == last)
        {
            LogServingStale(_logger, dependency, failure, _options.StaleIfErrorFor);
        }

        return true;
    }

    /// <summary>Failures that say the dependency (or its database) is unreachable or broken, as opposed to an answer
    /// such as NOT_FOUND or a refusal of our credentials.</summary>
    public static bool IsOutage(StatusCode status) => status is StatusCode.Unavailable or StatusCode.DeadlineExceeded
        or StatusCode.Internal or StatusCode.Unknown or StatusCode.Aborted or StatusCode.ResourceExhausted or StatusCode.Cancelled;

    /// <summary>Runs <paramref name="load"/> (which caches its answer) once for all requests that miss
    /// <paramref name="key"/> at the same time. Without this, an entry expiring under load sent every in-flight and
    /// arriving request to KeyVault or Config until the first answer landed: at 64 connections that herd stalled
    /// requests for tens to hundreds of ms every TTL. The load runs without any one caller's token (it is bounded by
    /// the dependency deadline); a caller that gives up stops waiting, the others still get the answer.</summary>
    public Task<T> LoadOnceAsync<T>(string key, Func<CancellationToken, ValueTask<T>> load, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (_loading.TryGetValue(key, out var running))
            {
                // Keys are prefixed by kind, so one key always loads one type; a mismatch just loads unshared.
                return running is Task<T> shared ? shared.WaitAsync(cancellationToken) : load(cancellationToken).AsTask();
            }

            var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (_loading.TryAdd(key, completion.Task))
            {
                _ = RunLoadAsync(key, load, completion);
                return completion.Task.WaitAsync(cancellationToken);
            }
        }
    }

    public void Remove(string key) => _cache.Remove(key);

    /// <summary>Drops every entry of one kind whose answer <paramref name="matches"/>, stale copy included. For an
    /// invalidation that names the answer rather than the key (a revoked gateway key is cached under the hash of a
    /// secret the event cannot carry, but its answer holds the key id). Walks the cache: for rare events only.</summary>
    public int RemoveWhere(string kind, Func<object?, bool> matches)
    {
        var removed = 0;
        foreach (var key in _cache.Keys)
        {
            if (key is string name && name.StartsWith(kind, StringComparison.Ordinal)
                && _cache.TryGetValue(name, out Entry? entry) && entry is not null && matches(entry.Value))
            {
                _cache.Remove(name);
                removed++;
            }
        }

        return removed;
    }

    /// <summary>Makes every entry of the given kinds due for a refresh without dropping it (a Watch stream came back
    /// after a gap, so changes may have been missed). The next use asks the dependency again and its answer, a refusal
    /// included, replaces the entry; if the dependency is still down the entry is served stale within the window it
    /// already had. Clearing instead turned every request after a PostgreSQL restart into a refetch with nothing to
    /// fall back on (503s while the database recovered). Walks the cache: for rare events only.</summary>
    public int MarkDue(IReadOnlyList<string> kinds)
    {
        var now = Environment.TickCount64;
        var marked = 0;
        foreach (var key in _cache.Keys)
        {
            if (key is string name && StartsWithAny(name, kinds) && _cache.TryGetValue(name, out Entry? entry) && entry is not null)
            {
                entry.Expire(now);
                marked++;
            }
        }

        return marked;
    }

    /// <summary>Drops everything, stale copies included.</summary>
    public void Clear() => _cache.Clear();

    public static string ApiKeyCacheKey(string apiKey)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        var maxBytes = Encoding.UTF8.GetMaxByteCount(apiKey.Length);
        var buffer = maxBytes <= 1024 ? stackalloc byte[maxBytes] : new byte[maxBytes];
        var length = Encoding.UTF8.GetBytes(apiKey, buffer);
        SHA256.HashData(buffer[..length], hash);
        // Built in place: one string per request instead of the hex string plus its prefixed copy.
        Span<char> chars = stackalloc char[ApiKeyKind.Length + (2 * SHA256.HashSizeInBytes)];
        ApiKeyKind.CopyTo(chars);
        Convert.TryToHexString(hash, chars[ApiKeyKind.Length..], out _);
        return new string(chars);
    }

    public static string VirtualKeyCacheKey(string tenantId, string slug) => string.Concat("vk:", tenantId, "\n", slug);

    public static string PolicyCacheKey(string tenantId) => string.Concat("policy:", tenantId);

    /// <summary>A tenant's routing config by id (its latest version).</summary>
    public static string ConfigCacheKey(string tenantId, string configId) => string.Concat("config:", tenantId, "\n", configId);

    public void Dispose() => _cache.Dispose();

    private async Task RunLoadAsync<T>(string key, Func<CancellationToken, ValueTask<T>> load, TaskCompletionSource<T> completion)
    {
        try
        {
            completion.SetResult(await load(CancellationToken.None));
        }
        catch (Exception ex)
        {
            completion.SetException(ex);
        }
        finally
        {
            // The answer is cached by now: later misses start a fresh load.
            _loading.TryRemove(KeyValuePair.Create(key, (Task)completion.Task));
        }
    }

    private static bool StartsWithAny(string key, IReadOnlyList<string> kinds)
    {
        for (var i = 0; i < kinds.Count; i++)
        {
            if (key.StartsWith(kinds[i], StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static string KindOf(string key) => key.AsSpan().IndexOf(':') is > 0 and var colon ? key[..colon] : "other";

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Dependency} is unavailable ({StatusCode}); serving cached answers up to {StaleFor} past their TTL")]
    private static partial void LogServingStale(ILogger logger, string dependency, StatusCode statusCode, TimeSpan staleFor);

    /// <summary>A cached answer. Postponing its refresh changes the entry in place instead of replacing it, so a
    /// concurrent <see cref="Remove"/> can never be undone.</summary>
    private sealed class Entry(object? value, long freshUntilMs, long staleUntilMs)
    {
        private long _freshUntilMs = freshUntilMs;

        public object? Value { get; } = value;

        public bool IsFresh(long nowMs) => nowMs < Volatile.Read(ref _freshUntilMs);

        /// <summary>Within the stale window that began when the entry first stopped being fresh (postponing a refresh
        /// does not extend it).</summary>
        public bool IsServableStale(long nowMs) => nowMs < staleUntilMs;

        public void Postpone(long untilMs) => Volatile.Write(ref _freshUntilMs, untilMs);

        /// <summary>No longer fresh from <paramref name="nowMs"/> on; the stale window keeps its end.</summary>
        public void Expire(long nowMs)
        {
            var current = Volatile.Read(ref _freshUntilMs);
            while (current > nowMs)
            {
                var seen = Interlocked.CompareExchange(ref _freshUntilMs, nowMs, current);
                if (seen == current)
                {
                    return;
                }

                current = seen;
            }
        }
    }
}
