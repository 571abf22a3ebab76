using Gateway.KeyVault.ApiKeys;
using Gateway.KeyVault.Crypto;
using Gateway.KeyVault.Grpc;
using Gateway.KeyVault.Tenants;
using Gateway.KeyVault.VirtualKeys;
using Gateway.ServiceDefaults.Data;
using Gateway.ServiceDefaults.Data.Notifications;
using Gateway.ServiceDefaults.Grpc;
using Gateway.ServiceDefaults.Security;
using Grpc.AspNetCore.Server;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Gateway.KeyVault;

public static class KeyVaultRegistration
{
    /// <summary>PostgreSQL (<c>ConnectionStrings:keyvaultdb</c>) with migrations, caller tokens, gRPC, the master keys
    /// (<c>KeyVault</c> section, validated at start) and the stores.</summary>
    public static IHostApplicationBuilder AddKeyVaultServices(this IHostApplicationBuilder builder)
    {
        builder.AddNpgsqlDataSource("keyvaultdb");
        builder.Services.AddSqlMigrations(typeof(KeyVaultRegistration).Assembly);
        builder.AddGatewaySecurity();
        builder.AddGatewayGrpc();
        builder.Services.Configure<GrpcServiceOptions>(o => o.Interceptors.Add<DatabaseUnavailableInterceptor>());

        builder.Services.AddOptions<KeyVaultOptions>()
            .Bind(builder.Configuration.GetSection(KeyVaultOptions.SectionName))
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<KeyVaultOptions>, KeyVaultOptionsValidator>();
        builder.Services.AddSingleton<MasterKeyRing>();
        builder.Services.AddSingleton<EnvelopeEncryption>();

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<TenantStore>();
        builder.Services.AddSingleton<ApiKeyStore>();
        builder.Services.AddSingleton<VirtualKeyStore>();
        builder.Services.AddSingleton<MasterKeyRotation>();
        builder.Services.AddSingleton<NotificationBroadcaster<Revocations.Revocation>>();
        builder.Services.AddHostedService<Revocations.RevocationListener>();
        return builder;
    }

    public static WebApplication MapKeyVault(this WebApplication app)
    {
        app.MapGrpcService<KeyResolutionService>();
        app.MapGrpcService<KeyVaultAdminService>();
        app.MapGatewayGrpcDefaults();
        return app;
    }
}
