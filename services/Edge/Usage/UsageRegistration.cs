using Dapr.Client;
using Gateway.Contracts.Analytics.V1;
using Gateway.ServiceDefaults.Grpc;

namespace Gateway.Edge.Usage;

public static class UsageRegistration
{
    /// <summary>Registers <see cref="IUsageRecorder"/> and the background publisher, with the Dapr transport when a
    /// sidecar is configured and Analytics' ingest RPC otherwise.</summary>
    public static IHostApplicationBuilder AddUsagePublishing(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<UsageOptions>()
            .Bind(builder.Configuration.GetSection(UsageOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<UsageMetrics>();
        services.AddSingleton<UsageQueue>();
        services.AddSingleton<IUsageRecorder>(sp => sp.GetRequiredService<UsageQueue>());
        services.AddSingleton<UsagePublisher>();
        services.AddHostedService(sp => sp.GetRequiredService<UsagePublisher>());

        var transport = builder.Configuration.GetSection(UsageOptions.SectionName).GetValue(nameof(UsageOptions.Transport), UsageTransport.Auto);
        var daprEndpoint = DaprGrpcEndpoint(builder.Configuration);
        if (transport == UsageTransport.Dapr || (transport == UsageTransport.Auto && daprEndpoint is not null))
        {
            services.AddSingleton(_ => BuildDaprClient(daprEndpoint, builder.Configuration["DAPR_API_TOKEN"]));
            services.AddSingleton<IUsageSink, DaprUsageSink>();
        }
        else
        {
            services.AddInternalGrpcClient<UsageIngest.UsageIngestClient>("analytics");
            services.AddSingleton<IUsageSink, DirectUsageSink>();
        }

        return builder;
    }

    /// <summary>The sidecar's gRPC endpoint as Dapr (and Aspire's Dapr integration) announce it to the app.</summary>
    private static string? DaprGrpcEndpoint(IConfiguration configuration)
    {
        var endpoint = configuration["DAPR_GRPC_ENDPOINT"];
        if (!string.IsNullOrWhiteSpace(endpoint))
        {
            return endpoint;
        }

        var port = configuration["DAPR_GRPC_PORT"];
        return string.IsNullOrWhiteSpace(port) ? null : $"http://127.0.0.1:{port}";
    }

    private static DaprClient BuildDaprClient(string? endpoint, string? apiToken)
    {
        var builder = new DaprClientBuilder();
        if (endpoint is not null)
        {
            builder.UseGrpcEndpoint(endpoint);
        }

        if (!string.IsNullOrEmpty(apiToken))
        {
            builder.UseDaprApiToken(apiToken);
        }

        return builder.Build();
    }
}
