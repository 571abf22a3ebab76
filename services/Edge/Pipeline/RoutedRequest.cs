using Gateway.Edge.Auth;
using Gateway.Edge.Http;

namespace Gateway.Edge.Pipeline;

/// <summary>An authenticated caller and its validated gateway headers (see <see cref="GatewayPipeline.AuthenticateAsync"/>).</summary>
/// <param name="ProviderKey">A provider key passed through in <c>Authorization</c>/<c>x-api-key</c>, when the gateway
/// key came in its own header.</param>
internal sealed record AuthenticatedRequest(CallerIdentity Caller, GatewayRequestHeaders Headers, string? ProviderKey);
