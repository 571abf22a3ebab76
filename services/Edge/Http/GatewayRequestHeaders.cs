using Gateway.Edge.Errors;

namespace Gateway.Edge.Http;

/// <summary>Everything the gateway headers ask of one request, besides credentials and trace id, read and validated
/// together before anything is sent upstream.</summary>
internal sealed record GatewayRequestHeaders(
    RequestMetadata Metadata,
    TimeSpan Timeout,
    IReadOnlyList<KeyValuePair<string, string>> ForwardHeaders,
    Uri? CustomHost)
{
    /// <param name="maxTimeout">The Edge's upstream timeout: the default and the cap of a client's timeout.</param>
    public static Outcome<GatewayRequestHeaders> Read(IHeaderDictionary headers, TimeSpan maxTimeout)
    {
        var metadata = RequestMetadata.Read(headers);
        if (metadata.Error is { } metadataError)
        {
            return metadataError;
        }

        if (RequestTimeout.Read(headers, maxTimeout, out var timeout) is { } timeoutError)
        {
            return timeoutError;
        }

        var forward = ForwardHeaderList.Read(headers);
        if (forward.Error is { } forwardError)
        {
            return forwardError;
        }

        if (CustomHostHeader.Read(headers, out var customHost) is { } customHostError)
        {
            return customHostError;
        }

        return new GatewayRequestHeaders(metadata.Value!, timeout, forward.Value!, customHost);
    }
}
