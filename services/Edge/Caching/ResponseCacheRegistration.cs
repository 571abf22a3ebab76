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

        services.AddInternalGrpcClient<CacheV1.Cache.CacheClient>("cache");
        services.AddSingleton<ResponseCacheMetrics>();
        services.AddSingleton<CacheWarnings>();
        services.AddSingleton<CachePutQueue>();
        services.AddHostedService<CachePutWriter>();
        services.AddSingleton<ResponseCacheClient>();
        return builder;
    }
}
