namespace Gateway.Edge.Providers.OpenAiCompatible;

/// <summary>What differs between providers that speak OpenAI's chat completions wire format with a Bearer key.</summary>
/// <param name="Name">Provider id, as virtual keys, usage events and the price table name it.</param>
/// <param name="SectionName">Configuration section of its <see cref="Options.OpenAiWireOptions"/>.</param>
/// <param name="DefaultBaseUrl">Base URL before <c>/chat/completions</c>; empty when every key must bring its own.</param>
/// <param name="RequestsStreamUsage">Whether the provider accepts <c>stream_options.include_usage</c>. Providers that
/// reject unknown fields get the client's body unchanged and report usage in their final chunk instead.</param>
internal sealed record OpenAiWireProfile(string Name, string SectionName, string DefaultBaseUrl, bool RequestsStreamUsage);

/// <summary>The OpenAI-wire providers the Edge registers. Base URLs and stream-usage support as each provider documents
/// them; a deployment can override both per provider (<c>Providers:&lt;Name&gt;:BaseUrl</c>,
/// <c>Providers:&lt;Name&gt;:RequestStreamUsage</c>).</summary>
internal static class OpenAiWireProfiles
{
    public static readonly OpenAiWireProfile OpenAi = new("openai", "Providers:OpenAI", "https://api.openai.com/v1", true);

    /// <summary>Mistral validates strictly and answers 422 "extra_forbidden" to <c>stream_options</c>; its last stream
    /// chunk carries the usage anyway.</summary>
    public static readonly OpenAiWireProfile Mistral = new("mistral", "Providers:Mistral", "https://api.mistral.ai/v1", false);

    public static readonly OpenAiWireProfile XAi = new("xai", "Providers:XAI", "https://api.x.ai/v1", true);

    public static readonly OpenAiWireProfile Groq = new("groq", "Providers:Groq", "https://api.groq.com/openai/v1", true);

    /// <summary>DeepSeek documents <c>https://api.deepseek.com</c>; <c>/v1</c> is accepted too but only as an alias.</summary>
    public static readonly OpenAiWireProfile DeepSeek = new("deepseek", "Providers:DeepSeek", "https://api.deepseek.com", true);

    /// <summary>Google's OpenAI-compatible endpoint of the Gemini API (AI Studio key as Bearer). It does not document
    /// <c>stream_options</c> but always ends a stream with a usage-bearing chunk.</summary>
    public static readonly OpenAiWireProfile Gemini = new("gemini", "Providers:Gemini",
        "https://generativelanguage.googleapis.com/v1beta/openai", false);

    /// <summary>Self-hosted servers (vLLM, Ollama, LM Studio, ...): no default, the virtual key (or configuration)
    /// names the server. vLLM and Ollama both honour <c>stream_options</c>; a key can turn it off with the extra
    /// <c>stream_usage: false</c> for servers that do not.</summary>
    public static readonly OpenAiWireProfile Compatible = new("openai-compatible", "Providers:OpenAICompatible", "", true);

    public static IReadOnlyList<OpenAiWireProfile> All { get; } = [OpenAi, Mistral, XAi, Groq, DeepSeek, Gemini, Compatible];
}
