namespace Gateway.Edge.Http;

/// <summary>Request and response header names (canonical first, then the aliases other gateways' clients send).</summary>
internal static class GatewayHeaders
{
    public const string ApiKey = "x-gateway-api-key";
    public const string PortkeyApiKey = "x-portkey-api-key";
    public const string VirtualKey = "x-gateway-virtual-key";
    public const string PortkeyVirtualKey = "x-portkey-virtual-key";
    public const string Provider = "x-gateway-provider";
    public const string PortkeyProvider = "x-portkey-provider";
    public const string TraceId = "x-gateway-trace-id";
    public const string PortkeyTraceId = "x-portkey-trace-id";

    /// <summary>The first non-empty value among <paramref name="canonical"/> and <paramref name="alias"/>.</summary>
    public static string? First(IHeaderDictionary headers, string canonical, string alias)
    {
        var value = headers[canonical].ToString();
        if (value.Length > 0)
        {
            return value;
        }

        value = headers[alias].ToString();
        return value.Length > 0 ? value : null;
    }
}
