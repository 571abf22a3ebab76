using Gateway.Edge.Http;
using Microsoft.Net.Http.Headers;

namespace Gateway.Edge.Auth;

/// <summary>The keys a request carries. When the gateway key comes in its own header (<c>x-gateway-api-key</c>, then
/// <c>x-portkey-api-key</c>), <c>Authorization: Bearer</c> (then <c>x-api-key</c>) is free to carry the provider's own
/// key (passthrough). Otherwise <c>Authorization: Bearer</c>, then <c>x-api-key</c>, is the gateway key, which is how
/// OpenAI and Anthropic SDKs send the one key they know.</summary>
internal static class GatewayKeyReader
{
    private const string BearerPrefix = "Bearer ";

    public static RequestKeys Read(IHeaderDictionary headers)
    {
        var bearer = BearerToken(headers);
        var xApiKey = NonEmpty(headers[GatewayHeaders.XApiKey].ToString());
        var own = NonEmpty(GatewayHeaders.First(headers, GatewayHeaders.ApiKey, GatewayHeaders.PortkeyApiKey));
        if (own is null)
        {
            return new RequestKeys(bearer ?? xApiKey, null);
        }

        // Clients that send the gateway key in both places are not passing a provider key.
        var providerKey = bearer is not null && bearer != own ? bearer : xApiKey is not null && xApiKey != own ? xApiKey : null;
        return new RequestKeys(own, providerKey);
    }

    private static string? BearerToken(IHeaderDictionary headers)
    {
        var authorization = headers[HeaderNames.Authorization].ToString();
        return authorization.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase) ? NonEmpty(authorization[BearerPrefix.Length..]) : null;
    }

    private static string? NonEmpty(string? value)
    {
        var trimmed = value?.Trim();
        return string.IsNullOrEmpty(trimmed) ? null : trimmed;
    }
}

/// <summary>The gateway key (null when none was sent) and, in passthrough, the provider's own key.</summary>
internal readonly record struct RequestKeys(string? GatewayKey, string? ProviderKey)
{
    /// <summary>Never print the keys.</summary>
    public override string ToString() => $"RequestKeys {{ GatewayKey = {(GatewayKey is null ? "none" : "***")}, ProviderKey = {(ProviderKey is null ? "none" : "***")} }}";
}
