using Gateway.ServiceDefaults.Data;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace Gateway.Edge.Limits;

internal static class LimitsRegistration
{
    private const string RedisName = "redis";

    /// <summary>Budgets and rate limits in Redis (<c>ConnectionStrings:redis</c>) and <see cref="LimitOptions"/>.
    /// Without the connection string the Edge still starts (tenants without limits never need Redis) and admits
    /// limited tenants unlimited, counted as fail-open; every deployment (run.sh, AppHost, Kubernetes) sets it.</summary>
    public static IHostApplicationBuilder AddRequestLimits(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<LimitOptions>()
            .Bind(builder.Configuration.GetSection(LimitOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics();
        services.AddSingleton<LimitsMetrics>();

        if (!string.IsNullOrEmpty(builder.Configuration.GetConnectionString(RedisName)))
        {
            builder.AddRedisClient("redis"); // a literal: tests/Gateway.Deploy.Tests reads the connection names from it
            // Readiness must not fail with Redis: limits fail open, so the Edge still serves. "Degraded" keeps
            // /health at 200 while still showing the outage.
            services.PostConfigure<HealthCheckServiceOptions>(health =>
            {
                foreach (var registration in health.Registrations)
                {
                    if (registration.Name == RedisName)
                    {
                        registration.FailureStatus = HealthStatus.Degraded;
                    }
                }
            });
            services.AddSingleton<RedisLimitStore>();
            services.AddHostedService<RedisConnectionWarmup>();
        }

        services.AddSingleton<IRequestAdmission, RedisRequestAdmission>();
        return builder;
    }

    /// <summary>Connects while the Edge starts: the multiplexer is made on first use and its first connect blocks for
    /// up to the connect timeout when Redis is down; that wait belongs to start-up, not to a request.</summary>
    private sealed class RedisConnectionWarmup(IServiceProvider services) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            _ = services.GetRequiredService<IConnectionMultiplexer>();
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
