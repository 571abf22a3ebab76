using Gateway.Config.Changes;
using Gateway.Config.Grpc;
using Gateway.Config.Policies;
using Gateway.Config.Prices;
using Gateway.Config.RoutingConfigs;
using Gateway.ServiceDefaults.Data;
using Gateway.ServiceDefaults.Data.Notifications;
using Gateway.ServiceDefaults.Grpc;
using Gateway.ServiceDefaults.Security;

namespace Gateway.Config;

internal static class ConfigRegistration
{
    /// <summary>PostgreSQL (<c>ConnectionStrings:configdb</c>, migrated at start), the caller tokens and gRPC.</summary>
    public static IHostApplicationBuilder AddConfigServices(this IHostApplicationBuilder builder)
    {
        builder.AddGatewaySecurity();
        builder.AddGatewayGrpc();
        builder.AddNpgsqlDataSource("configdb");
        builder.Services.AddSqlMigrations(typeof(ConfigRegistration).Assembly);
        builder.Services.AddSingleton<PriceTableStore>();
        builder.Services.AddSingleton<TenantPolicyStore>();
        builder.Services.AddSingleton<RoutingConfigStore>();
        builder.Services.AddSingleton<PriceTableWriter>();
        builder.Services.AddSingleton<PriceOverrideStore>();
        builder.Services.AddSingleton<NotificationBroadcaster<ChangeNotification>>();
        builder.Services.AddHostedService<ChangeListener>();
        return builder;
    }

    public static WebApplication MapConfig(this WebApplication app)
    {
        app.MapGrpcService<ConfigGrpcService>();
        app.MapGatewayGrpcDefaults();
        return app;
    }
}
