using Gateway.Contracts.Config.V1;
using Gateway.Contracts.KeyVault.V1;
using Gateway.Edge.Auth;
using Gateway.Edge.ChatCompletions;
using Gateway.Edge.Errors;
using Gateway.Edge.Http;
using Gateway.Edge.Options;
using Gateway.Edge.Pricing;
using Gateway.Edge.Providers;
using Gateway.Edge.Providers.Anthropic;
using Gateway.Edge.Providers.Mock;
using Gateway.Edge.Providers.OpenAiCompatible;
using Gateway.Edge.Usage;
using Gateway.ServiceDefaults.Grpc;
using Gateway.ServiceDefaults.Security;

namespace Gateway.Edge;

public static class EdgeRegistration
{
    /// <summary>The Edge request path: key resolution (KeyVault), prices (Config), providers, usage publishing.</summary>
    public static IHostApplicationBuilder AddEdgeServices(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        builder.AddGatewaySecurity();
        AddValidatedOptions<EdgeOptions>(builder, EdgeOptions.SectionName);
        AddValidatedOptions<ProviderHttpOptions>(builder, ProviderHttpOptions.SectionName);

        services.AddInternalGrpcClient<KeyVault.KeyVaultClient>("keyvault");
        services.AddInternalGrpcClient<Config.ConfigClient>("config");

        services.AddSingleton<KeyResolutionCache>();
        services.AddSingleton<ApiKeyResolver>();
        services.AddSingleton<VirtualKeyResolver>();
        services.AddSingleton<TenantPolicyReader>();
        services.AddSingleton<CustomHostGuard>();
        services.AddSingleton<ProviderTargetResolver>();

        services.AddSingleton<PriceCatalog>();
        services.AddHostedService<PriceRefresher>();

        services.AddSingleton<ProviderHttpClient>();
        builder.AddOpenAiWireProviders();
        builder.AddAnthropicProvider();
        services.AddSingleton<IChatProvider, MockProvider>();
        services.AddSingleton<ProviderRegistry>();

        services.AddSingleton<ChatCompletionsHandler>();
        builder.AddUsagePublishing();
        return builder;
    }

    public static WebApplication MapEdge(this WebApplication app)
    {
        var chatCompletions = app.Services.GetRequiredService<ChatCompletionsHandler>();
        app.MapPost(ChatCompletionsHandler.Route, chatCompletions.HandleAsync);

        // Unknown API paths answer in the same error shape as everything else.
        app.MapFallback("/v1/{**path}", static context =>
        {
            context.Response.Headers[GatewayHeaders.TraceId] = TraceIds.Resolve(context.Request.Headers);
            return ErrorWriter.WriteAsync(context.Response, new GatewayError(StatusCodes.Status404NotFound, ErrorTypes.InvalidRequest,
                "unknown_endpoint", $"Unknown endpoint {context.Request.Method} {context.Request.Path}."), context.RequestAborted);
        });
        return app;
    }

    private static void AddValidatedOptions<TOptions>(IHostApplicationBuilder builder, string section) where TOptions : class =>
        builder.Services.AddOptions<TOptions>()
            .Bind(builder.Configuration.GetSection(section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
}
