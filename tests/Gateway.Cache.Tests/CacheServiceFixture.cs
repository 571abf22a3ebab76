using Gateway.Testing;
using Grpc.Net.Client;
using StackExchange.Redis;
using CacheV1 = Gateway.Contracts.Cache.V1;

namespace Gateway.Cache.Tests;

/// <summary>A real redis-server and the Cache service on it, plus a direct Redis connection to inspect what the
/// service stored.</summary>
public sealed class CacheServiceFixture : IAsyncLifetime
{
    /// <summary>Clients must accept answers larger than gRPC's 4 MB default to read a full-size entry back.</summary>
    public const int MaxMessageBytes = 8 * 1024 * 1024;

    private GrpcChannel _channel = null!;

    public RedisServer Redis { get; private set; } = null!;

    public ServiceHost<Program> Host { get; private set; } = null!;

    public CacheV1.Cache.CacheClient Client { get; private set; } = null!;

    public IConnectionMultiplexer Inspector { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Redis = await RedisServer.StartAsync();
        var settings = TestSecrets.Settings();
        settings["ConnectionStrings:redis"] = Redis.ConnectionString;
        Host = new ServiceHost<Program>(settings).Start();
        _channel = GrpcChannel.ForAddress(Host.GrpcAddress, new GrpcChannelOptions { MaxReceiveMessageSize = MaxMessageBytes });
        Client = new CacheV1.Cache.CacheClient(_channel);
        Inspector = await ConnectionMultiplexer.ConnectAsync(Redis.ConnectionString);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await Inspector.DisposeAsync();
        await Host.DisposeAsync();
        await Redis.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class CacheServiceCollection : ICollectionFixture<CacheServiceFixture>
{
    public const string Name = "Cache service";
}
