using Gateway.Edge.Http;
using Microsoft.Net.Http.Headers;

namespace Gateway.Edge.Auth;

/// <summary>Finds the gateway API key: <c>Authorization: Bearer</c>, then <c>x-gateway-api-key</c>, then
/// <c>x-portkey-api-key</c>; the first one present wins.</summary>
internal static class GatewayKeyReader
{
    private const string BearerPrefix = "Bearer ";

    public static string? Read(IHeaderDictionary headers)
    {
        var authorization = headers[HeaderNames.Authorization].ToString();
        if (authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            var token = authorization.AsSpan(BearerPrefix.Length).Trim();
            if (!token.IsEmpty)
            {
                return token.Length == authorization.Length - BearerPrefix.Length ? authorization[BearerPrefix.Length..] : token.ToString();
            }
        }

        return GatewayHeaders.First(headers, GatewayHeaders.ApiKey, GatewayHeaders.PortkeyApiKey)?.Trim();
    }
}
