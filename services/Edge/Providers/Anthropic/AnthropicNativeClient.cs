using System.Buffers;
using System.Net.Http.Headers;
using Gateway.Edge.Auth;
using Gateway.Edge.ChatCompletions;
using Gateway.Edge.Errors;
using Gateway.Edge.Translation;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Providers.Anthropic;

/// <summary>Anthropic's Messages API for <c>/v1/messages</c> clients: the client's body is forwarded byte for byte,
/// with the credential in <c>x-api-key</c> and the one tested <c>anthropic-version</c>; the answer comes back
/// untranslated but with its usage read on the way (<see cref="INativeUsageSource"/>).</summary>
internal sealed class AnthropicNativeClient(ProviderHttpClient http, IOptions<AnthropicOptions> options)
{
    public const string BetaHeader = "anthropic-beta";

    /// <param name="countTokens">Calls <c>/v1/messages/count_tokens</c> instead of <c>/v1/messages</c>.</param>
    /// <param name="clientBeta">The client's <c>anthropic-beta</c> value (features it opts into), used unless the
    /// virtual key sets one.</param>
    public async Task<UpstreamResponse> SendAsync(ChatRequest request, ProviderTarget target, bool countTokens, string? clientBeta,
        CancellationToken cancellationToken)
    {
        var messagesUri = AnthropicProvider.MessagesUri(target.BaseUrl.Length > 0 ? target.BaseUrl : options.Value.BaseUrl)
            ?? throw new GatewayErrorException(GatewayError.UpstreamInvalidUrl(AnthropicProvider.ProviderName));
        var uri = countTokens ? new Uri(messagesUri + "/count_tokens") : messagesUri;

        var content = new ReadOnlyMemoryContent(request.Body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var message = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
        message.Headers.TryAddWithoutValidation("x-api-key", target.Credential);
        message.Headers.TryAddWithoutValidation("anthropic-version", AnthropicProvider.ApiVersion);
        var beta = target.Extras.TryGetValue(BetaHeader, out var keyBeta) ? keyBeta : clientBeta;
        if (!string.IsNullOrEmpty(beta))
        {
            message.Headers.TryAddWithoutValidation(BetaHeader, beta);
        }

        ForwardedHeaders.Apply(message, request);
        var response = await http.Client.SendAsync(message, cancellationToken);
        try
        {
            var status = (int)response.StatusCode;
            var contentType = response.Content.Headers.ContentType?.ToString();
            var body = BoundedBodyStream.Bound(await response.Content.ReadAsStreamAsync(cancellationToken), contentType, http.MaxResponseBodyBytes);
            Stream relayed = body;
            if (status is >= 200 and < 300)
            {
                relayed = contentType is not null && contentType.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase)
                    ? new AnthropicNativeEventStream(body)
                    : new BufferedTranslationStream(body, static (answer, output) =>
                    {
                        output.Write(answer.Span);
                        return AnthropicNativeUsage.FromMessage(answer.Span);
                    });
            }

            return new UpstreamResponse(status, contentType, relayed, uri.Authority, response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }
}
