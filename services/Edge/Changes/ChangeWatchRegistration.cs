using Gateway.Edge.Pricing;
using Gateway.ServiceDefaults.Security;
using ConfigV1 = Gateway.Contracts.Config.V1;
using KeyVaultV1 = Gateway.Contracts.KeyVault.V1;

namespace Gateway.Edge.Changes;

public static class ChangeWatchRegistration
{
    /// <summary>The clients of the watch streams are their own, because the standard resilience handler's timeouts
    /// and retries are made for unary calls and would cut a stream that is meant to stay open for hours.</summary>
    internal const string ConfigClientName = "config-watch";

    internal const string KeyVaultClientName = "keyvault-watch";

    /// <summary>Invalidation of the Edge's in-process copies: configs, policies and prices from Config's Watch stream,
    /// gateway and virtual keys from KeyVault's revocation stream.</summary>
    public static IHostApplicationBuilder AddChangeWatch(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ChangeWatchOptions>()
            .Bind(builder.Configuration.GetSection(ChangeWatchOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<PriceRefreshSignal>();
        services.AddSingleton<ChangeMetrics>();
        services.AddSingleton<ChangeInvalidator>();

        // RemoveAllResilienceHandlers is marked experimental; it is the supported way to undo the default handler
        // that ServiceDefaults adds to every client, and an API change would show up here at build time.
#pragma warning disable EXTEXP0001
        services.AddGrpcClient<ConfigV1.Config.ConfigClient>(ConfigClientName, o => o.Address = new Uri("http://_grpc.config"))
            .RemoveAllResilienceHandlers()
            .AddInternalToken();
        services.AddGrpcClient<KeyVaultV1.KeyVault.KeyVaultClient>(KeyVaultClientName, o => o.Address = new Uri("http://_grpc.keyvault"))
            .RemoveAllResilienceHandlers()
            .AddInternalToken();
#pragma warning restore EXTEXP0001
        services.AddKeyedSingleton(ConfigClientName, (sp, _) =>
            sp.GetRequiredService<Grpc.Net.ClientFactory.GrpcClientFactory>().CreateClient<ConfigV1.Config.ConfigClient>(ConfigClientName));
        services.AddKeyedSingleton(KeyVaultClientName, (sp, _) =>
            sp.GetRequiredService<Grpc.Net.ClientFactory.GrpcClientFactory>().CreateClient<KeyVaultV1.KeyVault.KeyVaultClient>(KeyVaultClientName));

        if (builder.Configuration.GetSection(ChangeWatchOptions.SectionName).GetValue(nameof(ChangeWatchOptions.Enabled), true))
        {
            services.AddHostedService<ConfigChangeWatcher>();
            services.AddHostedService<RevocationWatcher>();
        }

        return builder;
    }
}
