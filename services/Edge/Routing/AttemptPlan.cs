using Gateway.Edge.Auth;
using Gateway.Edge.Errors;
using Gateway.Edge.Providers;

namespace Gateway.Edge.Routing;

/// <summary>One resolved target and the request body it gets (with the target's override_params applied).</summary>
/// <param name="BodyOverridden">True when <paramref name="Body"/> is not the client's body (re-scan it).</param>
internal sealed record TargetCall(ProviderTarget Target, ReadOnlyMemory<byte> Body, bool BodyOverridden);

/// <summary>How a handler sends a request to one target: <see cref="Send"/> returns once the response headers are
/// in; <see cref="Relay"/> copies a successful answer to the client and reads its usage into the record.</summary>
/// <param name="Provider">The provider as the usage event and the price table name it.</param>
/// <param name="Model">The model sent (after overrides): checked against the key's scopes, priced, recorded.</param>
internal sealed record AttemptPlan(
    string Provider,
    string Model,
    Func<CancellationToken, Task<UpstreamResponse>> Send,
    Func<UpstreamResponse, CancellationToken, Task> Relay);

/// <summary>A handler's way to call one target, or the error that makes the target unusable for this request.</summary>
internal delegate Outcome<AttemptPlan> PrepareAttempt(TargetCall call);

/// <summary>Everything decided before the body is read: the caller, its headers, the routing config and, when the
/// config names no target (or there is none), the target the headers name.</summary>
internal sealed record RoutingPlan(
    CallerIdentity Caller,
    Http.GatewayRequestHeaders Headers,
    string? ProviderKey,
    TenantPolicy Policy,
    ResolvedConfig? Config,
    ProviderTarget? HeaderTarget,
    string HeaderBreakerKey);
