using Gateway.ServiceDefaults.Security;
using Grpc.Core;

namespace Gateway.Analytics.Authorization;

/// <summary>Decides which tenant a query may read: the admin token may read any tenant (named in the request); a
/// gateway key only its own tenant (an empty tenant_id means that one).</summary>
internal sealed class TenantAuthorizer(CallerTokens callerTokens, ApiKeyResolver apiKeys)
{
    /// <returns>The tenant id the query runs for.</returns>
    /// <exception cref="RpcException">UNAUTHENTICATED, PERMISSION_DENIED or INVALID_ARGUMENT.</exception>
    public async Task<string> AuthorizeTenantAsync(ServerCallContext context, string requestedTenantId)
    {
        var token = CallerTokens.BearerToken(context);
        if (string.IsNullOrEmpty(token))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated,
                "Send \"authorization: Bearer <admin token or gateway key>\"."));
        }

        if (callerTokens.IsAdmin(context))
        {
            return requestedTenantId.Length > 0
                ? requestedTenantId
                : throw new RpcException(new Status(StatusCode.InvalidArgument, "tenant_id is required with the admin token."));
        }

        var keyTenantId = await apiKeys.ResolveTenantAsync(token, context.CancellationToken);
        if (requestedTenantId.Length > 0 && !string.Equals(requestedTenantId, keyTenantId, StringComparison.Ordinal))
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, "A gateway key may only query its own tenant."));
        }

        return keyTenantId;
    }
}
