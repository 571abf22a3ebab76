using Gateway.Edge.Auth;
using Gateway.Edge.Errors;
using Gateway.Edge.Options;
using Gateway.Edge.Providers.OpenAiCompatible;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Providers.Azure;

/// <summary>Azure OpenAI: the OpenAI wire format at a per-resource, per-deployment URL (<see cref="AzureOpenAiUri"/>),
/// authenticated with the <c>api-key</c> header instead of a Bearer token.</summary>
internal sealed class AzureOpenAiProvider(ProviderHttpClient http, IOptions<AzureOpenAiOptions> options) : IChatProvider
{
    private const string ApiKeyHeader = "api-key";

    private readonly AzureOpenAiOptions _options = options.Value;

    public string Name => AzureOpenAiUri.Provider;

    public Task<UpstreamResponse> SendAsync(ChatRequest request, ProviderTarget target, CancellationToken cancellationToken)
    {
        var built = AzureOpenAiUri.Build(target, _options);
        if (built.Error is { } error)
        {
            throw new GatewayErrorException(error);
        }

        var message = OpenAiWire.CreateMessage(built.Value!, request, OpenAiWire.RequestsStreamUsage(target, _options.RequestStreamUsage));
        message.Headers.TryAddWithoutValidation(ApiKeyHeader, target.Credential);
        return OpenAiWire.SendAsync(http.Client, message, request, http.MaxResponseBodyBytes, cancellationToken);
    }
}
