using Gateway.Edge.Errors;

namespace Gateway.Edge.Http;

/// <summary><c>x-gateway-custom-host</c> (or <c>x-portkey-custom-host</c>): the base URL of an OpenAI-compatible
/// server, e.g. <c>http://ollama.internal:11434/v1</c>. Only its form is checked here; whether the tenant may use it
/// is <see cref="Auth.CustomHostGuard"/>'s decision.</summary>
internal static class CustomHostHeader
{
    public static GatewayError? Read(IHeaderDictionary headers, out Uri? baseUrl)
    {
        baseUrl = null;
        if (GatewayHeaders.First(headers, GatewayHeaders.CustomHost, GatewayHeaders.PortkeyCustomHost)?.Trim() is not { Length: > 0 } raw)
        {
            return null;
        }

        var header = GatewayHeaders.NameOfFirst(headers, GatewayHeaders.CustomHost, GatewayHeaders.PortkeyCustomHost);
        if (HeaderLimits.Bounded(header, raw) is { } tooLarge)
        {
            return tooLarge;
        }

        // Credentials in the URL would be sent upstream and logged as the target; a query or fragment would be
        // mangled when the endpoint path is appended.
        if (!Uri.TryCreate(raw, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.UserInfo.Length > 0 || uri.Query.Length > 0 || uri.Fragment.Length > 0 || uri.Host.Length == 0)
        {
            return GatewayError.InvalidHeader(header,
                "must be the absolute http(s) base URL of an OpenAI-compatible server without credentials or query, e.g. http://ollama.internal:11434/v1");
        }

        baseUrl = uri;
        return null;
    }
}
