namespace Gateway.Edge.Errors;

/// <summary>An error the gateway itself answers with, in OpenAI's shape. <see cref="Code"/> is also what the usage
/// event records as its error type, because it is the most specific name for what went wrong.</summary>
internal sealed record GatewayError(int StatusCode, string Type, string Code, string Message)
{
    /// <summary>Response headers that belong to the error (e.g. <c>Retry-After</c> and quota headers of a 429).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Headers { get; init; } = [];

    public static GatewayError MissingApiKey() => new(StatusCodes.Status401Unauthorized, ErrorTypes.Authentication, "missing_api_key",
        "No gateway API key. Send it as 'Authorization: Bearer <key>' or in the 'x-gateway-api-key' header.");

    public static GatewayError InvalidApiKey() => new(StatusCodes.Status401Unauthorized, ErrorTypes.Authentication, "invalid_api_key",
        "The gateway API key is unknown, revoked or expired.");

    public static GatewayError MissingVirtualKey() => new(StatusCodes.Status400BadRequest, ErrorTypes.InvalidRequest, "missing_virtual_key",
        "No provider credential. Send the virtual key's slug in the 'x-gateway-virtual-key' header, or send the gateway key in "
        + "'x-gateway-api-key' and the provider's own key in 'Authorization: Bearer' together with 'x-gateway-provider'.");

    public static GatewayError MissingProvider() => new(StatusCodes.Status400BadRequest, ErrorTypes.InvalidRequest, "missing_provider",
        "A provider key passed in 'Authorization'/'x-api-key' needs the 'x-gateway-provider' header naming its provider (e.g. openai).");

    public static GatewayError HeaderTooLarge(string header, int limit) => new(StatusCodes.Status400BadRequest, ErrorTypes.InvalidRequest,
        "header_too_large", $"Header '{header}' is longer than the limit of {limit} characters.");

    public static GatewayError InvalidMetadata(string header, string problem) => new(StatusCodes.Status400BadRequest, ErrorTypes.InvalidRequest,
        "invalid_metadata", $"Header '{header}' {problem}.");

    public static GatewayError MetadataLimit(string message) =>
        new(StatusCodes.Status400BadRequest, ErrorTypes.InvalidRequest, "metadata_limit_exceeded", message);

    public static GatewayError CustomHostProvider(string requested) => new(StatusCodes.Status400BadRequest, ErrorTypes.InvalidRequest,
        "custom_host_provider", $"A custom host speaks the OpenAI wire format; 'x-gateway-provider' must be 'openai' or absent, not '{requested}'.");

    public static GatewayError CustomHostNotAllowed(string host) => new(StatusCodes.Status403Forbidden, ErrorTypes.Permission,
        "custom_host_not_allowed", $"Custom host '{host}' is not in this tenant's allowed custom hosts; an operator can add it to the tenant policy.");

    public static GatewayError CustomHostPrivate(string host) => new(StatusCodes.Status403Forbidden, ErrorTypes.Permission,
        "custom_host_private_address",
        $"Custom host '{host}' is a loopback, private, link-local or metadata address, which this tenant's policy does not allow.");

    public static GatewayError CustomHostUnresolvable(string host) => new(StatusCodes.Status502BadGateway, ErrorTypes.Gateway,
        "custom_host_unresolvable", $"Custom host '{host}' could not be resolved.");

    /// <summary>403, not 401: the caller did authenticate; it is the credential it named that it may not use.</summary>
    public static GatewayError VirtualKeyNotFound() => new(StatusCodes.Status403Forbidden, ErrorTypes.Permission, "virtual_key_not_found",
        "The virtual key named in 'x-gateway-virtual-key' does not exist for this tenant.");

    public static GatewayError ProviderMismatch(string requested, string actual) => new(StatusCodes.Status400BadRequest, ErrorTypes.InvalidRequest,
        "provider_mismatch", $"The 'x-gateway-provider' header names '{requested}' but the virtual key is for '{actual}'.");

    public static GatewayError UnsupportedProvider(string provider) => new(StatusCodes.Status400BadRequest, ErrorTypes.InvalidRequest,
        "unsupported_provider", $"Provider '{provider}' is not supported on this endpoint.");

    public static GatewayError InvalidHeader(string header, string problem) => new(StatusCodes.Status400BadRequest, ErrorTypes.InvalidRequest,
        "invalid_header", $"Header '{header}' {problem}.");

    public static GatewayError BodyTooLarge(long limit) => new(StatusCodes.Status413PayloadTooLarge, ErrorTypes.InvalidRequest,
        "request_too_large", $"The request body exceeds the limit of {limit} bytes.");

    /// <summary>Kestrel refused the client's body while it was read: over the size limit (413), too slow (408,
    /// <c>MinRequestBodyDataRate</c>) or malformed framing (400). Each is the client's mistake, wherever it surfaces.</summary>
    public static GatewayError UnreadableBody(BadHttpRequestException exception, long limit) => exception.StatusCode switch
    {
        StatusCodes.Status413PayloadTooLarge => BodyTooLarge(limit),
        StatusCodes.Status408RequestTimeout => BodyTimeout(),
        _ => InvalidBody("invalid_body", "The request body could not be read: " + exception.Message),
    };

    /// <summary>The Kestrel error behind a failed upstream send whose content was the client's body, if that is why.</summary>
    public static BadHttpRequestException? ClientBodyFailure(Exception exception)
    {
        for (var inner = exception.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (inner is BadHttpRequestException clientBody)
            {
                return clientBody;
            }
        }

        return null;
    }

    public static GatewayError UnknownRoute() => new(StatusCodes.Status404NotFound, ErrorTypes.InvalidRequest, "unknown_url",
        "Unknown request URL: the gateway serves the OpenAI and Anthropic APIs under /v1.");

    public static GatewayError BodyTimeout() => new(StatusCodes.Status408RequestTimeout, ErrorTypes.InvalidRequest,
        "request_body_timeout", "The request body arrived too slowly; the gateway stopped waiting for it.");

    public static GatewayError InvalidBody(string code, string message) =>
        new(StatusCodes.Status400BadRequest, ErrorTypes.InvalidRequest, code, message);

    public static GatewayError DependencyUnavailable(string service) => new(StatusCodes.Status503ServiceUnavailable, ErrorTypes.Gateway,
        $"{service}_unavailable", $"The gateway cannot reach its {service} service right now; retry shortly.");

    public static GatewayError UpstreamUnreachable(string provider) => new(StatusCodes.Status502BadGateway, ErrorTypes.Gateway,
        "upstream_unreachable", $"Could not connect to provider '{provider}'.");

    public static GatewayError UpstreamTimeout(string provider, TimeSpan timeout) => new(StatusCodes.Status504GatewayTimeout, ErrorTypes.Gateway,
        "upstream_timeout", $"Provider '{provider}' did not answer within {timeout.TotalSeconds:0.###} seconds.");

    /// <summary>The provider's answer passed what the gateway holds (see <see cref="Providers.UpstreamResponseTooLargeException"/>).</summary>
    public static GatewayError UpstreamResponseTooLarge(string provider, string detail) => new(StatusCodes.Status502BadGateway,
        ErrorTypes.Upstream, Providers.UpstreamResponseTooLargeException.Code, $"Provider '{provider}': {detail}");

    public static GatewayError UpstreamInvalidUrl(string provider) => new(StatusCodes.Status400BadRequest, ErrorTypes.InvalidRequest,
        "invalid_base_url", $"The base URL configured for provider '{provider}' is not an absolute http(s) URL.");
}

/// <summary>The <c>type</c> values of gateway-made errors (OpenAI's vocabulary where it has one).</summary>
internal static class ErrorTypes
{
    public const string Authentication = "authentication_error";
    public const string Permission = "permission_error";
    public const string InvalidRequest = "invalid_request_error";
    public const string Gateway = "gateway_error";
    public const string Upstream = "upstream_error";
}
