using Gateway.Edge.Auth;

namespace Gateway.Edge.Providers.OpenAiCompatible;

/// <summary>What every OpenAI-wire upstream (OpenAI, Azure OpenAI, Mistral, Gemini's compatible endpoint, vLLM, ...)
/// shares: the client's body forwarded byte for byte, except that streams ask for the usage chunk where the provider
/// accepts it (the gateway bills from it; the relay strips it again when the client did not ask), and a response
/// handed back as soon as its headers are in.</summary>
internal static class OpenAiWire
{
    public const string ChatCompletionsPath = "/chat/completions";

    /// <summary>Virtual-key extra that overrides whether <c>stream_options.include_usage</c> is added, for servers
    /// behind <c>openai-compatible</c> that reject (or need) it.</summary>
    public const string StreamUsageExtra = "stream_usage";

    /// <summary><c>{baseUrl}/chat/completions</c>, or null unless it is an absolute http(s) URL.</summary>
    public static Uri? ChatCompletionsUri(string baseUrl)
    {
        var trimmed = baseUrl.AsSpan().TrimEnd('/');
        return Uri.TryCreate(string.Concat(trimmed, ChatCompletionsPath), UriKind.Absolute, out var uri) && IsHttp(uri) ? uri : null;
    }

    public static bool IsHttp(Uri uri) => uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp;

    /// <summary>The provider's setting, unless the virtual key says otherwise.</summary>
    public static bool RequestsStreamUsage(ProviderTarget target, bool configured) =>
        target.Extras.TryGetValue(StreamUsageExtra, out var value) && bool.TryParse(value, out var fromKey) ? fromKey : configured;

    /// <summary>A POST of the client's body (with the usage request spliced in when wanted) to <paramref name="uri"/>;
    /// authentication is the caller's to add.</summary>
    public static HttpRequestMessage CreateMessage(Uri uri, ChatRequest request, bool requestStreamUsage)
    {
        var info = request.Info;
        var body = requestStreamUsage && info.Stream && info.IncludeUsageEdit is { } edit ? edit.Apply(request.Body.Span) : request.Body;
        var content = new ReadOnlyMemoryContent(body);
        // Unparsed: a constant needs no MediaTypeHeaderValue (nor its formatting when the headers are written).
        content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
        return new HttpRequestMessage(HttpMethod.Post, uri) { Content = content };
    }

    /// <summary>Sends <paramref name="message"/> once the provider has set its own headers: the client's forwarded
    /// headers are added last, so they can never replace a credential or version header.</summary>
    /// <param name="maxBodyBytes">A non-streamed body longer than this fails while it is read (see <see cref="BoundedBodyStream"/>).</param>
    /// <param name="authority">The request URI's authority when the caller has it at hand (<see cref="Uri.Authority"/>
    /// builds a new string on every call).</param>
    public static async Task<UpstreamResponse> SendAsync(HttpMessageInvoker client, HttpRequestMessage message, ChatRequest request,
        long maxBodyBytes, CancellationToken cancellationToken, string? authority = null)
    {
        ForwardedHeaders.Apply(message, request);
        var target = authority ?? message.RequestUri!.Authority;
        var response = await client.SendAsync(message, cancellationToken);
        try
        {
            // The handler's content already holds the connection's stream: no need for a Task to get it.
            var stream = response.Content.ReadAsStream(cancellationToken);
            var contentType = ContentType(response);
            return new UpstreamResponse((int)response.StatusCode, contentType, BoundedBodyStream.Bound(stream, contentType, maxBodyBytes), target, response);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>The provider's Content-Type as it sent it: parsing it into a MediaTypeHeaderValue only to print it
    /// again cost two allocations per response.</summary>
    private static string? ContentType(HttpResponseMessage response) =>
        response.Content.Headers.NonValidated.TryGetValues("Content-Type", out var values) ? values.ToString() : null;
}
