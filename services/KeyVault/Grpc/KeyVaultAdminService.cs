using System.Security.Cryptography;
using Gateway.Contracts.KeyVault.V1;
using Gateway.KeyVault.ApiKeys;
using Gateway.KeyVault.Tenants;
using Gateway.KeyVault.VirtualKeys;
using Gateway.ServiceDefaults.Security;
using Grpc.Core;

namespace Gateway.KeyVault.Grpc;

/// <summary>Administration of tenants, gateway API keys and virtual keys; every call requires the admin token.</summary>
internal sealed partial class KeyVaultAdminService(
    CallerTokens callers,
    TenantStore tenants,
    ApiKeyStore apiKeys,
    VirtualKeyStore virtualKeys,
    MasterKeyRotation rotation,
    TimeProvider timeProvider,
    ILogger<KeyVaultAdminService> logger) : KeyVaultAdmin.KeyVaultAdminBase
{
    private const string DefaultApiKeyName = "default";
    private const int MaxReEncryptBatchSize = 10_000;

    public override async Task<Tenant> CreateTenant(CreateTenantRequest request, ServerCallContext context)
    {
        callers.RequireAdmin(context);
        AdminRequestValidation.Validate(request);

        var displayName = request.DisplayName.Length == 0 ? request.Id : request.DisplayName;
        var (outcome, tenant) = await tenants.CreateAsync(request.Id, displayName, request.IfNotExists, context.CancellationToken);
        switch (outcome)
        {
            case TenantCreateOutcome.Created:
                LogTenantCreated(logger, request.Id);
                return tenant!.ToProto();
            case TenantCreateOutcome.Existing when tenant is not null:
                return tenant.ToProto();
            default:
                throw new RpcException(new Status(StatusCode.AlreadyExists,
                    $"Tenant '{request.Id}' already exists; set if_not_exists to get the existing tenant instead."));
        }
    }

    public override async Task<Tenant> GetTenant(GetTenantRequest request, ServerCallContext context)
    {
        callers.RequireAdmin(context);
        AdminRequestValidation.ValidateTenantId(request.Id, "id");

        var tenant = await tenants.GetAsync(request.Id, context.CancellationToken);
        return tenant?.ToProto() ?? throw TenantNotFound(request.Id);
    }

    public override async Task<ListTenantsResponse> ListTenants(ListTenantsRequest request, ServerCallContext context)
    {
        callers.RequireAdmin(context);
        var pageSize = AdminRequestValidation.ValidatePage(request);

        // One extra row tells whether another page follows without a second query.
        var page = await tenants.ListAsync(request.PageToken, pageSize + 1, context.CancellationToken);
        var response = new ListTenantsResponse();
        for (var i = 0; i < Math.Min(page.Count, pageSize); i++)
        {
            response.Tenants.Add(page[i].ToProto());
        }

        if (page.Count > pageSize)
        {
            response.NextPageToken = page[pageSize - 1].Id;
        }

        return response;
    }

    public override async Task<CreateApiKeyResponse> CreateApiKey(CreateApiKeyRequest request, ServerCallContext context)
    {
        callers.RequireAdmin(context);
        var key = AdminRequestValidation.Validate(request, timeProvider.GetUtcNow().UtcDateTime, DefaultApiKeyName);

        var created = await apiKeys.CreateAsync(key, context.CancellationToken)
            ?? throw TenantNotFound(request.TenantId);

        LogApiKeyCreated(logger, request.TenantId, created.Key.Id);
        return new CreateApiKeyResponse { ApiKey = created.Key.ToProto(), Secret = created.Secret };
    }

    public override async Task<VirtualKey> CreateVirtualKey(CreateVirtualKeyRequest request, ServerCallContext context)
    {
        callers.RequireAdmin(context);
        var key = AdminRequestValidation.Validate(request);

        var (outcome, created) = await virtualKeys.CreateAsync(key, context.CancellationToken);
        switch (outcome)
        {
            case VirtualKeyCreateOutcome.Created:
                LogVirtualKeyCreated(logger, key.TenantId, key.Slug, key.Provider, created!.MasterKeyId);
                return created.ToProto();
            case VirtualKeyCreateOutcome.TenantNotFound:
                throw TenantNotFound(key.TenantId);
            default:
                throw new RpcException(new Status(StatusCode.AlreadyExists,
                    $"Tenant '{key.TenantId}' already has a virtual key '{key.Slug}'; choose another slug."));
        }
    }

    public override async Task<ListApiKeysResponse> ListApiKeys(ListApiKeysRequest request, ServerCallContext context)
    {
        callers.RequireAdmin(context);
        AdminRequestValidation.ValidateTenantId(request.TenantId);

        var response = new ListApiKeysResponse();
        foreach (var key in await apiKeys.ListAsync(request.TenantId, context.CancellationToken))
        {
            response.ApiKeys.Add(key.ToProto());
        }

        return response;
    }

    public override async Task<ApiKey> RevokeApiKey(RevokeApiKeyRequest request, ServerCallContext context)
    {
        callers.RequireAdmin(context);
        var id = AdminRequestValidation.Validate(request);

        // Looked up by (tenant, id): another tenant's key id is indistinguishable from an unknown one.
        var revoked = await apiKeys.RevokeAsync(request.TenantId, id, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound,
                $"Tenant '{request.TenantId}' has no API key '{id}'."));
        LogApiKeyRevoked(logger, request.TenantId, id);
        return revoked.ToProto();
    }

    public override async Task<ListVirtualKeysResponse> ListTenantVirtualKeys(ListVirtualKeysRequest request, ServerCallContext context)
    {
        callers.RequireAdmin(context);
        AdminRequestValidation.ValidateTenantId(request.TenantId);

        var response = new ListVirtualKeysResponse();
        foreach (var key in await virtualKeys.ListAsync(request.TenantId, context.CancellationToken))
        {
            response.VirtualKeys.Add(key.ToProto());
        }

        return response;
    }

    public override async Task<VirtualKey> DeleteVirtualKey(DeleteVirtualKeyRequest request, ServerCallContext context)
    {
        callers.RequireAdmin(context);
        AdminRequestValidation.Validate(request);

        // Deleted by (tenant, slug): another tenant's slug is indistinguishable from an unknown one.
        var deleted = await virtualKeys.DeleteAsync(request.TenantId, request.Slug, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound,
                $"Tenant '{request.TenantId}' has no virtual key '{request.Slug}'."));
        LogVirtualKeyDeleted(logger, request.TenantId, request.Slug);
        return deleted.ToProto();
    }

    public override async Task<ReEncryptVirtualKeysResponse> ReEncryptVirtualKeys(ReEncryptVirtualKeysRequest request, ServerCallContext context)
    {
        callers.RequireAdmin(context);
        if (request.BatchSize is < 0 or > MaxReEncryptBatchSize)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"batch_size must be 0 (default {MasterKeyRotation.DefaultBatchSize}) to {MaxReEncryptBatchSize}."));
        }

        var batchSize = request.BatchSize == 0 ? MasterKeyRotation.DefaultBatchSize : request.BatchSize;
        ReEncryptionResult result;
        try
        {
            result = await rotation.ReEncryptAsync(batchSize, context.CancellationToken);
        }
        catch (CryptographicException)
        {
            // The batch rolled back, so nothing is half-rotated; earlier batches stay committed and a rerun resumes.
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                "A virtual key failed to unwrap under its configured previous master key (wrong key for that id?); " +
                "check KeyVault:PreviousMasterKeys and run again."));
        }
        LogReEncrypted(logger, result.ReEncrypted, result.ActiveMasterKeyId, result.Remaining);
        return new ReEncryptVirtualKeysResponse
        {
            ActiveMasterKeyId = result.ActiveMasterKeyId,
            Reencrypted = result.ReEncrypted,
            Remaining = result.Remaining,
            UnknownMasterKeyIds = { result.UnknownMasterKeyIds },
        };
    }

    private static RpcException TenantNotFound(string tenantId) =>
        new(new Status(StatusCode.NotFound, $"Tenant '{tenantId}' does not exist; create it first."));

    [LoggerMessage(Level = LogLevel.Information, Message = "Created tenant {TenantId}")]
    private static partial void LogTenantCreated(ILogger logger, string tenantId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created API key {ApiKeyId} for tenant {TenantId}")]
    private static partial void LogApiKeyCreated(ILogger logger, string tenantId, Guid apiKeyId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted virtual key {Slug} of tenant {TenantId}")]
    private static partial void LogVirtualKeyDeleted(ILogger logger, string tenantId, string slug);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Re-encrypted {Count} virtual keys under master key {MasterKeyId}; {Remaining} remain under unconfigured keys")]
    private static partial void LogReEncrypted(ILogger logger, int count, string masterKeyId, int remaining);

    [LoggerMessage(Level = LogLevel.Information, Message = "Revoked API key {ApiKeyId} of tenant {TenantId}")]
    private static partial void LogApiKeyRevoked(ILogger logger, string tenantId, Guid apiKeyId);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Created virtual key {Slug} ({Provider}) for tenant {TenantId} under master key {MasterKeyId}")]
    private static partial void LogVirtualKeyCreated(ILogger logger, string tenantId, string slug, string provider, string masterKeyId);
}
