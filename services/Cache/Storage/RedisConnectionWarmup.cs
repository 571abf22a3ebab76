using StackExchange.Redis;

namespace Gateway.Cache.Storage;

/// <summary>Creates the Redis connection while the service starts. The multiplexer is made lazily on first use and
/// its first connect blocks for up to the connect timeout when Redis is down; that wait belongs to start-up, not to
/// the first cache request.</summary>
internal sealed class RedisConnectionWarmup(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<IConnectionMultiplexer>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
