using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Cache.Storage;

/// <summary>Cache entries in Redis, each call bounded by <see cref="CacheOptions.OperationTimeout"/>. The
/// multiplexer queues commands while disconnected (up to its own 5 s timeout), so without the bound a Redis outage
/// would stall every caller.</summary>
internal sealed class RedisCacheStore(IConnectionMultiplexer redis, IOptions<CacheOptions> options)
{
    /// <summary>Keys SCAN looks at per round trip (a hint to Redis, not an exact page size).</summary>
    private const int ScanPageSize = 1000;

    private readonly TimeSpan _timeout = options.Value.OperationTimeout;
    private readonly TimeSpan _purgeTimeout = options.Value.PurgeRoundTripTimeout;

    /// <summary>The stored value, or null on a miss.</summary>
    public async Task<byte[]?> GetAsync(CacheEntryKey key, CancellationToken cancellationToken)
    {
        var database = ConnectedDatabase();
        try
        {
            var value = await database.StringGetAsync(key.ToRedisKey()).WaitAsync(_timeout, cancellationToken);
            return (byte[]?)value;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new CacheUnavailableException("Redis did not answer the read.", ex);
        }
    }

    public async Task SetAsync(CacheEntryKey key, ReadOnlyMemory<byte> value, TimeSpan timeToLive, CancellationToken cancellationToken)
    {
        var database = ConnectedDatabase();
        try
        {
            await database.StringSetAsync(key.ToRedisKey(), value, timeToLive).WaitAsync(_timeout, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new CacheUnavailableException("Redis did not answer the write.", ex);
        }
    }

    /// <summary>Removes one entry; true when it existed.</summary>
    public async Task<bool> DeleteAsync(CacheEntryKey key, CancellationToken cancellationToken)
    {
        var database = ConnectedDatabase();
        try
        {
            var removed = await database.ExecuteAsync("UNLINK", (RedisKey)key.ToRedisKey()).WaitAsync(_timeout, cancellationToken);
            return (long)removed > 0;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new CacheUnavailableException("Redis did not answer the delete.", ex);
        }
    }

    /// <summary>Removes every key matching <paramref name="pattern"/> (see <see cref="CacheEntryKey.MatchPattern"/>) on
    /// every primary: SCAN page by page (never KEYS, which blocks Redis for the whole keyspace), each page unlinked in
    /// one pipelined batch (UNLINK frees memory off Redis' main thread). Each round trip has the purge timeout;
    /// the whole purge is bounded by the caller's deadline. Returns how many keys were removed.</summary>
    public async Task<long> DeleteMatchingAsync(string pattern, CancellationToken cancellationToken)
    {
        var database = ConnectedDatabase();
        long removed = 0;
        try
        {
            foreach (var server in redis.GetServers())
            {
                if (server.IsReplica || !server.IsConnected)
                {
                    continue;
                }

                var cursor = "0";
                do
                {
                    var page = (RedisResult[])(await server.ExecuteAsync("SCAN", cursor, "MATCH", pattern, "COUNT", ScanPageSize)
                        .WaitAsync(_purgeTimeout, cancellationToken))!;
                    cursor = (string)page[0]!;
                    var keys = (RedisKey[])page[1]!;
                    removed += await UnlinkAsync(database, keys, cancellationToken);
                }
                while (cursor != "0");
            }

            return removed;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new CacheUnavailableException("Redis did not answer the purge.", ex);
        }
    }

    private async Task<long> UnlinkAsync(IDatabase database, RedisKey[] keys, CancellationToken cancellationToken)
    {
        if (keys.Length == 0)
        {
            return 0;
        }

        // One UNLINK per key, pipelined: multi-key UNLINK would fail with CROSSSLOT on a Redis cluster.
        var unlinks = new Task<RedisResult>[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            unlinks[i] = database.ExecuteAsync("UNLINK", keys[i]);
        }

        await Task.WhenAll(unlinks).WaitAsync(_purgeTimeout, cancellationToken);
        long removed = 0;
        foreach (var unlink in unlinks)
        {
            removed += (long)await unlink;
        }

        return removed;
    }

    // Fails fast while the multiplexer knows it has no connection, instead of waiting out the timeout per call.
    private IDatabase ConnectedDatabase() =>
        redis.IsConnected ? redis.GetDatabase() : throw new CacheUnavailableException("Redis is not connected.");
}
