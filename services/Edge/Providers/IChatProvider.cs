using Gateway.Edge.Auth;
using Gateway.Edge.ChatCompletions;

namespace Gateway.Edge.Providers;

/// <summary>One upstream for <c>/v1/chat/completions</c>. Implementations send the request and return as soon as the
/// response headers are in; relaying the body (and reading usage from it) is the caller's job, so every provider
/// gets the same streaming, usage and error handling, and a router can retry before any byte reaches the client.</summary>
internal interface IChatProvider
{
    /// <summary>The provider id as virtual keys and the price table name it (lowercase).</summary>
    string Name { get; }

    /// <summary>Throws <see cref="HttpRequestException"/> when the provider cannot be reached and
    /// <see cref="Errors.GatewayErrorException"/> when the target is misconfigured.</summary>
    Task<UpstreamResponse> SendAsync(ChatRequest request, ProviderTarget target, CancellationToken cancellationToken);
}

/// <summary>The client's chat request: its bytes, as received, and what the scanner read from them.</summary>
internal sealed record ChatRequest(ReadOnlyMemory<byte> Body, ChatRequestInfo Info)
{
    /// <summary>Client headers to pass to the provider (<c>x-gateway-forward-headers</c>), already validated;
    /// providers apply them with <see cref="ForwardedHeaders.Apply"/>.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ForwardHeaders { get; init; } = [];
}
