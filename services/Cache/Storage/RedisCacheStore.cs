using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Gateway.Cache.Storage;

/// <summary>Cache entries in Redis, each call bounded by <see cref="CacheOptions.OperationTimeout"/>. The
/// multiplexer queues commands while disconnected (up to its own 5 s timeout), so without the bound a Redis outage
/// would stall every caller.</summary>
internal sealed class RedisCacheStore(IConnectionMultiplexer redis, IOptions<CacheOptions> options)
{
    private readonly TimeSpan _timeout = options.Value.OperationTimeout;

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

    // Fails fast while the multiplexer knows it has no connection, instead of waiting out the timeout per call.
    private IDatabase ConnectedDatabase() =>
        redis.IsConnected ? redis.GetDatabase() : throw new CacheUnavailableException("Redis is not connected.");
}
