using Gateway.Config.Grpc;
using Gateway.Config.Policies;
using Gateway.Config.Prices;
using Gateway.ServiceDefaults.Data;
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
        return builder;
    }

    public static WebApplication MapConfig(this WebApplication app)
    {
        app.MapGrpcService<ConfigGrpcService>();
        app.MapGatewayGrpcDefaults();
        return app;
    }
}
