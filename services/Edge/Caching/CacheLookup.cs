namespace Gateway.Edge.Caching;

/// <summary>The result of <see cref="ResponseCacheClient.LookupAsync"/>: a hit carrying the stored answer, or a miss
/// (or refresh) the request fills by calling <see cref="Store"/> with its answer. Dispose it when the request is done:
/// a miss that stored nothing (the provider failed, the client left) then releases identical requests waiting for it.</summary>
internal sealed class CacheLookup : IDisposable
{
    /// <summary>For requests that do not cache: no status header, nothing stored.</summary>
    public static readonly CacheLookup Disabled = new(null, default, TimeSpan.Zero, CacheStatus.Miss, answer: null, flight: null);

    private readonly ResponseCacheClient? _owner;
    private readonly CacheEntryRef _entry;
    private readonly TimeSpan _timeToLive;
    private TaskCompletionSource<StoredAnswer?>? _flight;
    private int _finished;

    internal CacheLookup(ResponseCacheClient? owner, CacheEntryRef entry, TimeSpan timeToLive, CacheStatus status,
        StoredAnswer? answer, TaskCompletionSource<StoredAnswer?>? flight)
    {
        _owner = owner;
        _entry = entry;
        _timeToLive = timeToLive;
        _flight = flight;
        Status = status;
        Answer = answer;
    }

    /// <summary>False for <see cref="Disabled"/>.</summary>
    public bool IsEnabled => _owner is not null;

    public CacheStatus Status { get; }

    /// <summary>The answer to serve on a hit; null otherwise.</summary>
    public StoredAnswer? Answer { get; }

    public bool IsHit => Answer is not null;

    /// <summary>The hit came from an identical request in flight on this Edge, not from the Cache service.</summary>
    public bool Coalesced { get; init; }

    /// <summary>Stores the complete, successful answer of a miss or refresh (once; later calls and calls on a hit do
    /// nothing). Never blocks and never throws for cache trouble.</summary>
    public void Store(StoredAnswer answer)
    {
        if (_owner is null || IsHit || Interlocked.Exchange(ref _finished, 1) != 0)
        {
            return;
        }

        _owner.Store(_entry, _timeToLive, answer, Interlocked.Exchange(ref _flight, null));
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _flight, null) is { } flight)
        {
            _owner!.Abandon(_entry, flight);
        }
    }
}
