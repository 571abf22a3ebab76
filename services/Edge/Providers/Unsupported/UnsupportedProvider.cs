using Gateway.Edge.Auth;
using Gateway.Edge.Errors;

namespace Gateway.Edge.Providers.Unsupported;

/// <summary>A provider the gateway knows by name but cannot call yet: every request gets a 501 explaining why and
/// what to use instead, and nothing is sent anywhere. Registered so that virtual keys for it fail clearly rather
/// than as "unknown provider".</summary>
internal sealed class UnsupportedProvider(string name, string reason, string alternative) : IChatProvider
{
    public const string Code = "provider_not_supported";

    /// <summary>AWS Bedrock's native API needs SigV4 request signing.</summary>
    public static UnsupportedProvider Bedrock() => new("bedrock", "SigV4 signing not implemented",
        "use the 'anthropic' or 'openai' provider directly, or Bedrock's OpenAI-compatible endpoint through 'openai-compatible' "
        + "with a Bedrock API key and base_url 'https://bedrock-runtime.<region>.amazonaws.com/openai/v1'");

    /// <summary>Vertex AI needs Google OAuth access tokens minted from a service account.</summary>
    public static UnsupportedProvider Vertex() => new("vertex", "Google service-account authentication not implemented",
        "use the 'gemini' provider with a Gemini API (AI Studio) key, or the 'anthropic' provider for Claude models");

    public string Name { get; } = name;

    public Task<UpstreamResponse> SendAsync(ChatRequest request, ProviderTarget target, CancellationToken cancellationToken) =>
        throw new GatewayErrorException(new GatewayError(StatusCodes.Status501NotImplemented, ErrorTypes.InvalidRequest, Code,
            $"Provider '{Name}' is not supported yet by this gateway ({reason}); {alternative}."));
}
