namespace Gateway.Edge.Http;

/// <summary>Request and response header names (canonical first, then the aliases other gateways' clients send).</summary>
internal static class GatewayHeaders
{
    public const string ApiKey = "x-gateway-api-key";
    public const string PortkeyApiKey = "x-portkey-api-key";

    /// <summary>Anthropic-style clients send their key here: the gateway key, or the provider key in passthrough.</summary>
    public const string XApiKey = "x-api-key";
    public const string VirtualKey = "x-gateway-virtual-key";
    public const string PortkeyVirtualKey = "x-portkey-virtual-key";
    public const string Provider = "x-gateway-provider";
    public const string PortkeyProvider = "x-portkey-provider";
    public const string TraceId = "x-gateway-trace-id";
    public const string PortkeyTraceId = "x-portkey-trace-id";
    public const string TraceParent = "traceparent";
    public const string User = "x-gateway-user";
    public const string MetrionUser = "x-metrion-user";
    public const string LlmGatewayUserId = "X-LLMGateway-User-ID";
    public const string Metadata = "x-gateway-metadata";
    public const string PortkeyMetadata = "x-portkey-metadata";

    /// <summary><c>x-gateway-meta-&lt;key&gt;: value</c> adds one metadata entry.</summary>
    public const string MetaPrefix = "x-gateway-meta-";

    /// <summary><c>X-LLMGateway-&lt;Key&gt;: value</c> adds one metadata entry (except <see cref="LlmGatewayUserId"/>).</summary>
    public const string LlmGatewayPrefix = "x-llmgateway-";
    public const string RequestTimeout = "x-gateway-request-timeout";
    public const string PortkeyRequestTimeout = "x-portkey-request-timeout";
    public const string ForwardHeaders = "x-gateway-forward-headers";
    public const string PortkeyForwardHeaders = "x-portkey-forward-headers";
    public const string CustomHost = "x-gateway-custom-host";
    public const string PortkeyCustomHost = "x-portkey-custom-host";

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

    /// <summary>The header whose value <see cref="First"/> returned, for error messages.</summary>
    public static string NameOfFirst(IHeaderDictionary headers, string canonical, string alias) =>
        headers[canonical].ToString().Length > 0 ? canonical : alias;
}
