using Gateway.Edge.Pricing;

namespace Gateway.Edge.Providers;

/// <summary>A provider's response whose body has not been read yet.</summary>
internal sealed class UpstreamResponse(int statusCode, string? contentType, Stream body, string target, HttpResponseMessage? message = null)
    : IDisposable
{
    /// <summary>Provider response headers worth passing to the client (rate limits, request ids, retry hints); not
    /// e.g. openai-organization, which would tell tenants about the account behind the credential.</summary>
    private static readonly string[] ForwardedHeaderPrefixes = ["x-ratelimit-", "retry-after", "x-request-id", "openai-processing-ms"];

    public int StatusCode { get; } = statusCode;

    public string? ContentType { get; } = contentType;

    public Stream Body { get; } = body;

    /// <summary>Where the request went, for the usage event's attempt (host of the base URL, or "mock").</summary>
    public string Target { get; } = target;

    public bool IsSuccess => StatusCode is >= 200 and < 300;

    /// <summary>The provider's exact usage when the body is a translation (see <see cref="Translation.INativeUsageSource"/>);
    /// preferred over the OpenAI-shaped usage read from the body, which cannot carry e.g. cache writes.</summary>
    public TokenUsage? NativeUsage => Body is Translation.INativeUsageSource source ? source.NativeUsage : null;

    public bool IsEventStream => ContentType is not null && ContentType.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase);

    public void CopyHeadersTo(IHeaderDictionary headers)
    {
        if (message is null)
        {
            return;
        }

        foreach (var header in message.Headers.NonValidated)
        {
            foreach (var prefix in ForwardedHeaderPrefixes)
            {
                if (header.Key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    headers[header.Key] = header.Value.ToString();
                    break;
                }
            }
        }
    }

    /// <summary>The same response with a different body (a translation of this one's), keeping the provider's headers;
    /// the new response owns both, so dispose only it.</summary>
    public UpstreamResponse WithBody(int statusCode, string? contentType, Stream body) => new(statusCode, contentType, body, Target, message);

    /// <summary>A response header of the provider (e.g. <c>retry-after</c>), or null.</summary>
    public string? Header(string name) =>
        message is not null && message.Headers.NonValidated.TryGetValues(name, out var values) ? values.ToString() : null;

    /// <summary>The headers <see cref="CopyHeadersTo"/> would copy, kept for an answer relayed later.</summary>
    public List<KeyValuePair<string, string>> ForwardedHeaders()
    {
        var headers = new List<KeyValuePair<string, string>>();
        if (message is null)
        {
            return headers;
        }

        foreach (var header in message.Headers.NonValidated)
        {
            foreach (var prefix in ForwardedHeaderPrefixes)
            {
                if (header.Key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                {
                    headers.Add(KeyValuePair.Create(header.Key, header.Value.ToString()));
                    break;
                }
            }
        }

        return headers;
    }

    public void Dispose()
    {
        Body.Dispose();
        message?.Dispose();
    }
}
