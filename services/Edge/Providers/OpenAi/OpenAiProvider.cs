using System.Net.Http.Headers;
using Gateway.Edge.Auth;
using Gateway.Edge.Errors;
using Gateway.Edge.Options;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Providers.OpenAi;

/// <summary>OpenAI and OpenAI-compatible servers (the virtual key's base URL overrides the default). The client's
/// body is forwarded byte for byte, except that a streaming request always asks for the usage chunk, because the
/// gateway bills from it (the relay strips it again if the client did not ask).</summary>
internal sealed class OpenAiProvider(ProviderHttpClient http, IOptions<OpenAiOptions> options) : IChatProvider
{
    private const string ChatCompletionsPath = "/chat/completions";

    public string Name => "openai";

    public async Task<UpstreamResponse> SendAsync(ChatRequest request, ProviderTarget target, CancellationToken cancellationToken)
    {
        var uri = ChatCompletionsUri(target.BaseUrl.Length > 0 ? target.BaseUrl : options.Value.BaseUrl)
            ?? throw new GatewayErrorException(GatewayError.UpstreamInvalidUrl(Name));

        var info = request.Info;
        var body = info.Stream && info.IncludeUsageEdit is { } edit ? edit.Apply(request.Body.Span) : request.Body;
        var content = new ReadOnlyMemoryContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        var message = new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", target.Credential);
        if (target.Extras.TryGetValue("organization", out var organization))
        {
            message.Headers.TryAddWithoutValidation("OpenAI-Organization", organization);
        }

        if (target.Extras.TryGetValue("project", out var project))
        {
            message.Headers.TryAddWithoutValidation("OpenAI-Project", project);
        }

        var response = await http.Client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            return new UpstreamResponse((int)response.StatusCode, response.Content.Headers.ContentType?.ToString(), stream,
                uri.Authority, response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    internal static Uri? ChatCompletionsUri(string baseUrl)
    {
        var trimmed = baseUrl.AsSpan().TrimEnd('/');
        return Uri.TryCreate(string.Concat(trimmed, ChatCompletionsPath), UriKind.Absolute, out var uri)
               && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
            ? uri
            : null;
    }
}
