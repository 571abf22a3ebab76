using Gateway.Edge.Auth;
using Gateway.Edge.ChatCompletions;
using Gateway.Edge.Providers;
using Gateway.Edge.Providers.OpenAiCompatible;

namespace Gateway.Edge.Pipeline;

/// <summary>Where one OpenAI-wire operation goes for a provider target, and how it authenticates there (Bearer, or
/// Azure's <c>api-key</c> header). Built by <see cref="OpenAiWireRoutes"/>.</summary>
/// <param name="RequestsStreamUsage">Whether the provider accepts <c>stream_options.include_usage</c>.</param>
internal sealed record OpenAiWireRoute(Uri Uri, bool RequestsStreamUsage, ProviderTarget Target, bool AzureAuth)
{
    private const string AzureApiKeyHeader = "api-key";

    /// <summary>A request to <see cref="Uri"/> carrying the provider credential; the client's own credentials never
    /// reach the provider.</summary>
    public HttpRequestMessage CreateMessage(HttpMethod method, HttpContent? content)
    {
        var message = new HttpRequestMessage(method, Uri) { Content = content };
        if (AzureAuth)
        {
            message.Headers.TryAddWithoutValidation(AzureApiKeyHeader, Target.Credential);
            return message;
        }

        if (Target.Credential.Length > 0)
        {
            // Keyless local servers (Ollama, vLLM behind a custom host) get no Authorization header at all.
            message.Headers.TryAddWithoutValidation(BearerAuthorization.HeaderName, "Bearer " + Target.Credential);
        }

        if (Target.Extras.TryGetValue("organization", out var organization))
        {
            message.Headers.TryAddWithoutValidation("OpenAI-Organization", organization);
        }

        if (Target.Extras.TryGetValue("project", out var project))
        {
            message.Headers.TryAddWithoutValidation("OpenAI-Project", project);
        }

        return message;
    }

    /// <summary>Sends with the client's <c>x-gateway-forward-headers</c> added last (never replacing ours) and
    /// returns once the response headers are in.</summary>
    /// <param name="maxBodyBytes">Bound on a non-streamed body (<see cref="long.MaxValue"/> for one relayed as it comes).</param>
    public static Task<UpstreamResponse> SendAsync(HttpMessageInvoker client, HttpRequestMessage message,
        IReadOnlyList<KeyValuePair<string, string>> forwardHeaders, long maxBodyBytes, CancellationToken cancellationToken) =>
        OpenAiWire.SendAsync(client, message, new ChatRequest(default, NoChat) { ForwardHeaders = forwardHeaders }, maxBodyBytes, cancellationToken);

    /// <summary><see cref="OpenAiWire.SendAsync"/> takes the forward headers from a chat request; nothing else of it is read.</summary>
    private static readonly ChatRequestInfo NoChat = new("", false, false, null);
}
