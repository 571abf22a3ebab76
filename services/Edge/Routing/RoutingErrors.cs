using Gateway.Contracts.Routing;
using Gateway.Edge.Errors;

namespace Gateway.Edge.Routing;

/// <summary>The gateway errors of config resolution, scopes and the routing engine.</summary>
internal static class RoutingErrors
{
    public const string CircuitOpenCode = "circuit_open";
    public const string ProviderNotAllowedCode = "provider_not_allowed";
    public const string ModelNotAllowedCode = "model_not_allowed";

    public static GatewayError InvalidConfig(string header, IReadOnlyList<ConfigValidationError> errors) =>
        new(StatusCodes.Status400BadRequest, ErrorTypes.InvalidRequest, "invalid_config",
            $"The routing config in '{header}' is invalid: {string.Join("; ", errors)}");

    public static GatewayError ConfigNotFound(string configId) => new(StatusCodes.Status400BadRequest, ErrorTypes.InvalidRequest,
        "config_not_found", $"No routing config '{configId}' exists for this tenant.");

    public static GatewayError ConfigNotAllowed(string? configId) => new(StatusCodes.Status403Forbidden, ErrorTypes.Permission,
        "config_not_allowed", configId is null
            ? "This API key is restricted to named routing configs; inline configs are not allowed."
            : $"This API key may not use routing config '{configId}'.");

    public static GatewayError ProviderNotAllowed(string provider) => new(StatusCodes.Status403Forbidden, ErrorTypes.Permission,
        ProviderNotAllowedCode, $"Provider '{provider}' is not allowed for this API key or tenant.");

    public static GatewayError ModelNotAllowed(string model) => new(StatusCodes.Status403Forbidden, ErrorTypes.Permission,
        ModelNotAllowedCode, $"Model '{model}' is not allowed for this API key.");

    public static GatewayError CircuitOpen(string provider) => new(StatusCodes.Status503ServiceUnavailable, ErrorTypes.Gateway,
        CircuitOpenCode, $"Provider '{provider}' is failing; the gateway stopped sending to it for a while (circuit breaker open).");

    public static GatewayError NoRouteMatched() => new(StatusCodes.Status400BadRequest, ErrorTypes.InvalidRequest, "no_route_matched",
        "No condition of the routing config matched this request and it has no default target.");
}
