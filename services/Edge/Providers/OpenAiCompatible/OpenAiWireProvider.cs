using System.Collections.Concurrent;
using Gateway.Edge.Auth;
using Gateway.Edge.Errors;
using Gateway.Edge.Options;

namespace Gateway.Edge.Providers.OpenAiCompatible;

/// <summary>One OpenAI-wire provider with Bearer authentication (see <see cref="OpenAiWireProfiles"/>). The base URL
/// comes from the virtual key, else configuration, else the profile's default.</summary>
internal sealed class OpenAiWireProvider(OpenAiWireProfile profile, OpenAiWireOptions options, ProviderHttpClient http) : IChatProvider
{
    private const int MaxCachedUris = 256;

    private readonly string _baseUrl = options.BaseUrl is { Length: > 0 } configured ? configured : profile.DefaultBaseUrl;
    private readonly bool _requestStreamUsage = options.RequestStreamUsage ?? profile.RequestsStreamUsage;

    /// <summary>Chat completions URI per base URL: building it (concatenation, parsing) was a tenth of the strings a
    /// request allocated, and a provider's requests go to a handful of base URLs. Bounded, since custom hosts and
    /// virtual keys could name many.</summary>
    private readonly ConcurrentDictionary<string, (Uri Uri, string Authority)?> _uris = new(StringComparer.Ordinal);

    private readonly BearerAuthorization _bearer = new();

    public string Name => profile.Name;

    public Task<UpstreamResponse> SendAsync(ChatRequest request, ProviderTarget target, CancellationToken cancellationToken)
    {
        var baseUrl = target.BaseUrl.Length > 0 ? target.BaseUrl : _baseUrl;
        if (baseUrl.Length == 0)
        {
            throw new GatewayErrorException(ProviderConfigurationError.MissingBaseUrl(Name));
        }

        var (uri, authority) = ChatCompletionsUri(baseUrl) ?? throw new GatewayErrorException(GatewayError.UpstreamInvalidUrl(Name));
        var message = OpenAiWire.CreateMessage(uri, request, OpenAiWire.RequestsStreamUsage(target, _requestStreamUsage));
        if (target.Credential.Length > 0)
        {
            // Keyless local servers (Ollama, vLLM behind a custom host) get no Authorization header at all.
            _bearer.Set(message, target.Credential);
        }

        // OpenAI's account scoping; other servers ignore the headers, and they are only sent when the key sets them.
        if (target.Extras.TryGetValue("organization", out var organization))
        {
            message.Headers.TryAddWithoutValidation("OpenAI-Organization", organization);
        }

        if (target.Extras.TryGetValue("project", out var project))
        {
            message.Headers.TryAddWithoutValidation("OpenAI-Project", project);
        }

        return OpenAiWire.SendAsync(http.Client, message, request, http.MaxResponseBodyBytes, cancellationToken, authority);
    }

    /// <summary>The URI and its authority (the usage event's attempt target), both worked out once per base URL.</summary>
    private (Uri Uri, string Authority)? ChatCompletionsUri(string baseUrl)
    {
        if (_uris.TryGetValue(baseUrl, out var cached))
        {
            return cached;
        }

        cached = OpenAiWire.ChatCompletionsUri(baseUrl) is { } uri ? (uri, uri.Authority) : null;
        if (_uris.Count >= MaxCachedUris)
        {
            _uris.Clear();
        }

        _uris[baseUrl] = cached;
        return cached;
    }
}
