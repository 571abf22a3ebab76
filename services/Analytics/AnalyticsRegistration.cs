using Gateway.Analytics.Authorization;
using Gateway.Analytics.Budgets;
using Gateway.Analytics.Grpc;
using Gateway.Analytics.Ingest;
using Gateway.Analytics.Live;
using Gateway.Analytics.Queries;
using Gateway.Analytics.Retention;
using Gateway.Analytics.Rollups;
using Gateway.Analytics.Subscriptions;
using Gateway.ServiceDefaults.Data;
using Gateway.ServiceDefaults.Grpc;
using Gateway.ServiceDefaults.Security;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ConfigClient = Gateway.Contracts.Config.V1.Config.ConfigClient;
using KeyVaultClient = Gateway.Contracts.KeyVault.V1.KeyVault.KeyVaultClient;

namespace Gateway.Analytics;

internal static class AnalyticsRegistration
{
    /// <summary>Database name in ConnectionStrings.</summary>
    public const string DatabaseName = "analyticsdb";

    public static IHostApplicationBuilder AddAnalyticsServices(this IHostApplicationBuilder builder)
    {
        builder.AddGatewaySecurity();
        builder.AddGatewayGrpc();
        builder.AddNpgsqlDataSource(DatabaseName);

        var services = builder.Services;
        services.AddSqlMigrations(typeof(AnalyticsRegistration).Assembly);
        services.AddOptions<AnalyticsOptions>()
            .Bind(builder.Configuration.GetSection(AnalyticsOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<RollupOptions>()
            .Bind(builder.Configuration.GetSection(RollupOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddMemoryCache();

        services.AddSingleton<UsageBroadcaster>();
        services.AddSingleton<UsageIngestor>();
        services.AddSingleton<UsageSubscriptionHandler>();
        services.AddSingleton<CostRollupQuery>();
        services.AddSingleton<RequestLogQuery>();
        services.AddSingleton<TenantSummaryQuery>();
        services.AddSingleton<RequestLogRetention>();
        services.AddHostedService<RequestLogRetentionService>();
        services.AddSingleton<RollupSignal>();
        services.AddSingleton<PendingRollups>();
        services.AddHostedService<RollupService>();

        // Per call: the typed gRPC client comes from the client factory, which rotates its handlers.
        services.AddInternalGrpcClient<KeyVaultClient>("keyvault");
        services.AddInternalGrpcClient<ConfigClient>("config");
        services.AddScoped<ApiKeyResolver>();
        services.AddScoped<TenantAuthorizer>();
        services.AddScoped<TenantBudgetReader>();
        return builder;
    }

    public static WebApplication MapAnalytics(this WebApplication app)
    {
        // Dapr pub/sub: CloudEvents are unwrapped before the handler; GET /dapr/subscribe lists the topic routes.
        app.UseCloudEvents();
        app.MapSubscribeHandler();
        app.MapUsageSubscription();

        app.MapGrpcService<UsageIngestService>();
        app.MapGrpcService<AnalyticsQueryService>();
        app.MapGatewayGrpcDefaults();
        Dashboard.DashboardEndpoints.MapDashboard(app);
        return app;
    }
}
