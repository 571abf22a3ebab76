using Gateway.ServiceDefaults.Grpc;
using CacheV1 = Gateway.Contracts.Cache.V1;

namespace Gateway.Edge.Caching;

public static class ResponseCacheRegistration
{
    /// <summary>The Cache service client (service discovery name "cache": <c>services__cache__grpc__0</c>),
    /// <see cref="ResponseCacheOptions"/> (section <c>Edge:Cache</c>, validated at start), the store queue and its
    /// writer, and the metrics. Expects <c>AddGatewaySecurity()</c> (the internal token) to be registered too.</summary>
    public static IHostApplicationBuilder AddResponseCache(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ResponseCacheOptions>()
            .Bind(builder.Configuration.GetSection(ResponseCacheOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // Without the default resilience handler: the cache has its own short deadlines and fails open, so a retry
        // can never answer within them; it only held every lookup to its deadline while the Cache service was down
        // and added its pipeline's cost to every hit. RemoveAllResilienceHandlers is marked experimental (see
        // ChangeWatchRegistration); an API change would show up here at build time.
#pragma warning disable EXTEXP0001
        services.AddInternalGrpcClient<CacheV1.Cache.CacheClient>("cache").RemoveAllResilienceHandlers();
#pragma warning restore EXTEXP0001
        services.AddSingleton<ResponseCacheMetrics>();
        services.AddSingleton<CacheWarnings>();
        services.AddSingleton<CachePutQueue>();
        services.AddHostedService<CachePutWriter>();
        services.AddSingleton<ResponseCacheClient>();
        return builder;
    }
}
