using Gateway.Contracts.Config.V1;
using Gateway.Contracts.KeyVault.V1;
using Gateway.Edge.Auth;
using Gateway.Edge.ChatCompletions;
using Gateway.Edge.Completions;
using Gateway.Edge.Embeddings;
using Gateway.Edge.Limits;
using Gateway.Edge.Models;
using Gateway.Edge.Options;
using Gateway.Edge.Passthrough;
using Gateway.Edge.Pipeline;
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
        SkipHostingLogScope(builder);
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
        Changes.ChangeWatchRegistration.AddChangeWatch(builder);

        services.AddSingleton<ProviderHttpClient>();
        builder.AddOpenAiWireProviders();
        builder.AddAnthropicProvider();
        services.AddSingleton<IChatProvider, MockProvider>();
        services.AddSingleton<ProviderRegistry>();

        builder.AddRequestLimits();
        Caching.ResponseCacheRegistration.AddResponseCache(builder);

        Routing.RoutingRegistration.AddRouting(builder);
        services.AddSingleton<TokenEstimator>();
        services.AddHostedService<TokenEstimatorWarmup>();
        services.AddSingleton<GatewayPipeline>();
        services.AddSingleton<OpenAiWireRoutes>();
        services.AddSingleton<OpenAiWireModelEndpoint>();
        services.AddSingleton<TenantProviders>();
        services.AddSingleton<PriceTableModels>();
        services.AddSingleton<ChatCompletionsHandler>();
        services.AddSingleton<CompletionsHandler>();
        services.AddSingleton<EmbeddingsHandler>();
        services.AddSingleton<ModelsHandler>();
        services.AddSingleton<PassthroughHandler>();
        builder.AddUsagePublishing();
        AddGracefulShutdown(builder);
        return builder;
    }

    public static WebApplication MapEdge(this WebApplication app)
    {
        var chatCompletions = app.Services.GetRequiredService<ChatCompletionsHandler>();
        app.MapPost(ChatCompletionsHandler.Route, chatCompletions.HandleAsync);
        Messages.MessagesEndpoints.MapMessages(app);

        app.MapPost(CompletionsHandler.Route, app.Services.GetRequiredService<CompletionsHandler>().HandleAsync);
        app.MapPost(EmbeddingsHandler.Route, app.Services.GetRequiredService<EmbeddingsHandler>().HandleAsync);
        app.MapGet(ModelsHandler.Route, app.Services.GetRequiredService<ModelsHandler>().HandleAsync);

        // Every other /v1 path and method (files, audio, images, responses, ...) is forwarded to the provider as is;
        // the routes above are more specific and win.
        app.Map(PassthroughHandler.Route, app.Services.GetRequiredService<PassthroughHandler>().HandleAsync);
        Http.UnknownRoute.Map(app);
        return app;
    }

    /// <summary>ASP.NET Core opens a logging scope (and, for it, an activity) per request whenever the Critical level
    /// of its <c>Hosting.Diagnostics</c> category is on. With nothing exported no log reads that scope, so unless the
    /// category's level is configured it is off; the Edge then starts the request's activity itself
    /// (<see cref="Http.RequestActivity"/>). What the category logs besides (request start/finish at Information,
    /// start-up failures, which the host logs again) is lost only then.</summary>
    private static void SkipHostingLogScope(IHostApplicationBuilder builder)
    {
        const string category = "Microsoft.AspNetCore.Hosting.Diagnostics";
        if (!ServiceDefaults.Extensions.ExportsTelemetry(builder.Configuration)
            && builder.Configuration["Logging:LogLevel:" + category] is null)
        {
            builder.Logging.AddFilter(category, LogLevel.None);
        }
    }

    /// <summary>The server drains in-flight requests for <c>Edge:Shutdown:DrainTimeout</c>, set explicitly as the host's
    /// shutdown timeout (it overrides <c>shutdownTimeoutSeconds</c>); the usage publisher flushes after that on its own
    /// deadline (<see cref="UsagePublisher.StoppedAsync"/>).</summary>
    private static void AddGracefulShutdown(IHostApplicationBuilder builder)
    {
        AddValidatedOptions<ShutdownOptions>(builder, ShutdownOptions.SectionName);
        builder.Services.AddOptions<HostOptions>()
            .Configure<Microsoft.Extensions.Options.IOptions<ShutdownOptions>>((host, shutdown) => host.ShutdownTimeout = shutdown.Value.DrainTimeout);
    }

    private static void AddValidatedOptions<TOptions>(IHostApplicationBuilder builder, string section) where TOptions : class =>
        builder.Services.AddOptions<TOptions>()
            .Bind(builder.Configuration.GetSection(section))
            .ValidateDataAnnotations()
            .ValidateOnStart();
}
