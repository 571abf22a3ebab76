using Gateway.Edge.Options;
using Gateway.Edge.Providers.Azure;
using Gateway.Edge.Providers.Unsupported;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Providers.OpenAiCompatible;

internal static class OpenAiWireRegistration
{
    /// <summary>Every OpenAI-wire provider (one implementation, a profile each, options validated on start), Azure
    /// OpenAI, and the named-but-unsupported Bedrock and Vertex.</summary>
    public static IHostApplicationBuilder AddOpenAiWireProviders(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        foreach (var profile in OpenAiWireProfiles.All)
        {
            services.AddOptions<OpenAiWireOptions>(profile.Name)
                .Bind(builder.Configuration.GetSection(profile.SectionName))
                .ValidateDataAnnotations()
                .ValidateOnStart();
            services.AddSingleton<IChatProvider>(provider => new OpenAiWireProvider(profile,
                provider.GetRequiredService<IOptionsMonitor<OpenAiWireOptions>>().Get(profile.Name),
                provider.GetRequiredService<ProviderHttpClient>()));
        }

        services.AddOptions<AzureOpenAiOptions>()
            .Bind(builder.Configuration.GetSection(AzureOpenAiOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IChatProvider, AzureOpenAiProvider>();

        services.AddSingleton<IChatProvider>(UnsupportedProvider.Bedrock());
        services.AddSingleton<IChatProvider>(UnsupportedProvider.Vertex());
        return builder;
    }
}
