using Gateway.Cache.Grpc;
using Gateway.Cache.Storage;
using Gateway.ServiceDefaults.Data;
using Gateway.ServiceDefaults.Grpc;
using Gateway.ServiceDefaults.Security;
using Grpc.AspNetCore.Server;
using Microsoft.Extensions.Options;

namespace Gateway.Cache;

internal static class CacheRegistration
{
    // Room for the rest of a Put message (tenant, namespace, key, ttl) next to a value of the maximum size.
    private const int EnvelopeHeadroomBytes = 64 * 1024;

    /// <summary>Redis (<c>ConnectionStrings:redis</c>), the caller tokens, <see cref="CacheOptions"/> and gRPC.</summary>
    public static IHostApplicationBuilder AddCacheServices(this IHostApplicationBuilder builder)
    {
        builder.AddGatewaySecurity();
        builder.AddGatewayGrpc();
        builder.AddRedisClient("redis");

        builder.Services.AddOptions<CacheOptions>()
            .Bind(builder.Configuration.GetSection(CacheOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // gRPC rejects messages over 4 MB by default; a Put carrying a full-size entry must reach our own size check,
        // which answers with a clear message instead.
        builder.Services.AddOptions<GrpcServiceOptions<CacheGrpcService>>()
            .Configure<IOptions<CacheOptions>>((grpc, cache) =>
                grpc.MaxReceiveMessageSize = cache.Value.MaxEntryBytes + EnvelopeHeadroomBytes);

        builder.Services.AddSingleton<RedisCacheStore>();
        builder.Services.AddHostedService<RedisConnectionWarmup>();
        return builder;
    }

    public static WebApplication MapCache(this WebApplication app)
    {
        app.MapGrpcService<CacheGrpcService>();
        app.MapGatewayGrpcDefaults();
        return app;
    }
}
