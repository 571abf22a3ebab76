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
    ILogger<KeyVaultAdminService> logger) : KeyVaultAdmin.KeyVaultAdminBase
{
    private const string DefaultApiKeyName = "default";

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

    public override async Task<CreateApiKeyResponse> CreateApiKey(CreateApiKeyRequest request, ServerCallContext context)
    {
        callers.RequireAdmin(context);
        AdminRequestValidation.Validate(request);

        var name = request.Name.Length == 0 ? DefaultApiKeyName : request.Name;
        var created = await apiKeys.CreateAsync(request.TenantId, name, context.CancellationToken)
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

    private static RpcException TenantNotFound(string tenantId) =>
        new(new Status(StatusCode.NotFound, $"Tenant '{tenantId}' does not exist; create it first."));

    [LoggerMessage(Level = LogLevel.Information, Message = "Created tenant {TenantId}")]
    private static partial void LogTenantCreated(ILogger logger, string tenantId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created API key {ApiKeyId} for tenant {TenantId}")]
    private static partial void LogApiKeyCreated(ILogger logger, string tenantId, Guid apiKeyId);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Created virtual key {Slug} ({Provider}) for tenant {TenantId} under master key {MasterKeyId}")]
    private static partial void LogVirtualKeyCreated(ILogger logger, string tenantId, string slug, string provider, string masterKeyId);
}
