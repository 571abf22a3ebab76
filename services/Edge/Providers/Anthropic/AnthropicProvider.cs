using System.Net.Http.Headers;
using Gateway.Edge.Auth;
using Gateway.Edge.Errors;
using Gateway.Edge.Translation;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Providers.Anthropic;

/// <summary>Anthropic's Messages API behind <c>/v1/chat/completions</c>: the OpenAI request is translated to
/// <c>POST {base}/v1/messages</c>, and the answer (JSON, SSE or error) is translated back as it is read, so the relay
/// treats it like any OpenAI-format body. The translated body also carries Anthropic's exact usage
/// (<see cref="INativeUsageSource"/>), cache writes included, which OpenAI's usage shape cannot express.</summary>
internal sealed class AnthropicProvider(ProviderHttpClient http, IOptions<AnthropicOptions> options) : IChatProvider
{
    /// <summary>The one API version the translation is tested against; a client's own value never reaches Anthropic.</summary>
    public const string ApiVersion = "2023-06-01";

    public const string ProviderName = "anthropic";

    public string Name => ProviderName;

    public async Task<UpstreamResponse> SendAsync(ChatRequest request, ProviderTarget target, CancellationToken cancellationToken)
    {
        var uri = MessagesUri(target.BaseUrl.Length > 0 ? target.BaseUrl : options.Value.BaseUrl)
            ?? throw new GatewayErrorException(GatewayError.UpstreamInvalidUrl(Name));

        var content = new ByteArrayContent(AnthropicRequestTranslator.Translate(request.Body));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        var message = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
        message.Headers.TryAddWithoutValidation("x-api-key", target.Credential);
        message.Headers.TryAddWithoutValidation("anthropic-version", ApiVersion);
        if (target.Extras.TryGetValue("anthropic-beta", out var beta))
        {
            message.Headers.TryAddWithoutValidation("anthropic-beta", beta);
        }

        // Last, so a forwarded header can never replace the credential or the API version set above.
        ForwardedHeaders.Apply(message, request);
        var response = await http.Client.SendAsync(message, cancellationToken);
        try
        {
            var status = (int)response.StatusCode;
            var contentType = response.Content.Headers.ContentType?.ToString();
            var body = BoundedBodyStream.Bound(await response.Content.ReadAsStreamAsync(cancellationToken), contentType, http.MaxResponseBodyBytes);
            Stream translated;
            if (status is < 200 or >= 300)
            {
                translated = new BufferedTranslationStream(body, static (anthropic, output) =>
                {
                    AnthropicResponseTranslator.TranslateError(anthropic.Span, output);
                    return null;
                });
            }
            else if (contentType is not null && contentType.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase))
            {
                translated = new AnthropicEventStream(body, request.Info.IncludeUsage);
            }
            else
            {
                translated = new BufferedTranslationStream(body, AnthropicResponseTranslator.TranslateMessage);
                contentType = "application/json";
            }

            return new UpstreamResponse(status, contentType, translated, uri.Authority, response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary><c>{base}/v1/messages</c>; a base that already ends in <c>/v1</c> is accepted too.</summary>
    internal static Uri? MessagesUri(string baseUrl)
    {
        var trimmed = baseUrl.AsSpan().TrimEnd('/');
        var path = trimmed.EndsWith("/v1", StringComparison.OrdinalIgnoreCase) ? "/messages" : "/v1/messages";
        return Uri.TryCreate(string.Concat(trimmed, path), UriKind.Absolute, out var uri)
               && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri
            : null;
    }
}
