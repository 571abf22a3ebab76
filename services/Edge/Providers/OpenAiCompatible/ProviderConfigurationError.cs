using Gateway.Edge.Errors;

namespace Gateway.Edge.Providers.OpenAiCompatible;

/// <summary>Errors for a virtual key whose provider settings cannot work. 422 with type <c>configuration_error</c>:
/// the request itself is fine and retrying it cannot help (a 5xx would invite client retries and page the operator),
/// the tenant has to fix the virtual key.</summary>
internal static class ProviderConfigurationError
{
    public const string Type = "configuration_error";
    public const string Code = "virtual_key_misconfigured";

    public static GatewayError MissingBaseUrl(string provider) => new(StatusCodes.Status422UnprocessableEntity, Type, Code,
        $"The virtual key for provider '{provider}' has no base URL. Set the virtual key's base_url to the server's "
        + "OpenAI-compatible API root, e.g. 'http://my-vllm:8000/v1'.");

    public static GatewayError MissingExtra(string provider, string extra, string hint) => new(StatusCodes.Status422UnprocessableEntity,
        Type, Code, $"The virtual key for provider '{provider}' is missing the extra '{extra}': {hint}");

    public static GatewayError InvalidExtra(string provider, string extra, string rule) => new(StatusCodes.Status422UnprocessableEntity,
        Type, Code, $"The virtual key for provider '{provider}' has an invalid extra '{extra}': {rule}");
}
