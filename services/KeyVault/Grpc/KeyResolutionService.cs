using System.Security.Cryptography;
using Gateway.Contracts.KeyVault.V1;
using Gateway.KeyVault.ApiKeys;
using Gateway.KeyVault.Crypto;
using Gateway.KeyVault.Validation;
using Gateway.KeyVault.VirtualKeys;
using Gateway.ServiceDefaults.Data.Notifications;
using Gateway.ServiceDefaults.Security;
using Grpc.Core;
using KeyVaultContract = Gateway.Contracts.KeyVault.V1.KeyVault;

namespace Gateway.KeyVault.Grpc;

/// <summary>The internal resolution RPCs the Edge calls (with the internal token) to authenticate a request and to
/// fetch the provider credential.</summary>
internal sealed partial class KeyResolutionService(
    CallerTokens callers,
    ApiKeyStore apiKeys,
    VirtualKeyStore virtualKeys,
    NotificationBroadcaster<Revocations.Revocation> revocations,
    IHostApplicationLifetime lifetime,
    ILogger<KeyResolutionService> logger) : KeyVaultContract.KeyVaultBase
{
    public override async Task<ResolveApiKeyResponse> ResolveApiKey(ResolveApiKeyRequest request, ServerCallContext context)
    {
        callers.RequireInternal(context);

        // One answer for malformed, unknown, revoked and expired keys: the caller learns nothing about which.
        var resolved = ApiKeySecret.IsWellFormed(request.ApiKey)
            ? await apiKeys.ResolveAsync(request.ApiKey, context.CancellationToken)
            : null;
        if (resolved is null)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, "The gateway API key is not valid."));
        }

        return new ResolveApiKeyResponse
        {
            TenantId = resolved.TenantId,
            ApiKeyId = resolved.Id.ToString(),
            ApiKeyName = resolved.Name,
            Scopes = resolved.Scopes.ToProto(),
        };
    }

    public override async Task<ResolveVirtualKeyResponse> ResolveVirtualKey(ResolveVirtualKeyRequest request, ServerCallContext context)
    {
        callers.RequireInternal(context);
        if (request.TenantId.Length == 0 || request.VirtualKey.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "tenant_id and virtual_key are both required."));
        }

        // A malformed tenant id or slug cannot exist, so it is reported like any other unknown key (and not echoed).
        if (!Identifiers.IsTenantId(request.TenantId) || !Identifiers.IsVirtualKeySlug(request.VirtualKey))
        {
            throw new RpcException(new Status(StatusCode.NotFound, "The virtual key was not found for this tenant."));
        }

        ResolvedVirtualKey? resolved;
        try
        {
            resolved = await virtualKeys.ResolveAsync(request.TenantId, request.VirtualKey, context.CancellationToken);
        }
        catch (UnknownMasterKeyException ex)
        {
            LogUnknownMasterKey(logger, request.TenantId, request.VirtualKey, ex.KeyId);
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                $"Virtual key '{request.VirtualKey}' is encrypted under a master key this KeyVault is not configured with."));
        }
        catch (CryptographicException)
        {
            LogDecryptionFailed(logger, request.TenantId, request.VirtualKey);
            throw new RpcException(new Status(StatusCode.Internal, $"Virtual key '{request.VirtualKey}' could not be decrypted."));
        }

        return resolved?.ToProto() ?? throw new RpcException(new Status(StatusCode.NotFound,
            $"Virtual key '{request.VirtualKey}' was not found for this tenant."));
    }

    public override async Task<ListVirtualKeysResponse> ListVirtualKeys(ListVirtualKeysRequest request, ServerCallContext context)
    {
        callers.RequireInternal(context);
        var response = new ListVirtualKeysResponse();
        if (!Identifiers.IsTenantId(request.TenantId))
        {
            return response; // no such tenant can exist, so it has no keys
        }

        foreach (var key in await virtualKeys.ListAsync(request.TenantId, context.CancellationToken))
        {
            response.VirtualKeys.Add(key.ToProto());
        }

        return response;
    }

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Virtual key {Slug} of tenant {TenantId} is encrypted under master key {MasterKeyId}, which is not configured")]
    private static partial void LogUnknownMasterKey(ILogger logger, string tenantId, string slug, string masterKeyId);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Virtual key {Slug} of tenant {TenantId} failed authenticated decryption (altered or moved ciphertext)")]
    private static partial void LogDecryptionFailed(ILogger logger, string tenantId, string slug);
}
