using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Gateway.Edge.Routing;

public static class RoutingRegistration
{
    /// <summary>The routing engine: config resolution, circuit breakers and the executor the pipeline runs.</summary>
    public static IHostApplicationBuilder AddRouting(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<RoutingOptions>()
            .Bind(builder.Configuration.GetSection(RoutingOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<CircuitBreakers>();
        services.AddSingleton<ConfigResolver>();
        services.AddSingleton<RouteExecutor>();
        return builder;
    }
}
