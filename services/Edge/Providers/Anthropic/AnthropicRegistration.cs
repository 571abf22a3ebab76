namespace Gateway.Edge.Providers.Anthropic;

internal static class AnthropicRegistration
{
    /// <summary>The <c>anthropic</c> chat provider and its native client for <c>/v1/messages</c>, with its options validated on start.</summary>
    public static IHostApplicationBuilder AddAnthropicProvider(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AnthropicOptions>()
            .Bind(builder.Configuration.GetSection(AnthropicOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IChatProvider, AnthropicProvider>();
        builder.Services.AddSingleton<AnthropicNativeClient>();
        return builder;
    }
}
