using Gateway.Config.RoutingConfigs;
using Gateway.Contracts.Routing;
using Grpc.Core;
using Npgsql;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Config.Grpc;

/// <summary>The routing-config RPCs: versioned, tenant-scoped configs validated before they are stored.</summary>
internal sealed partial class ConfigGrpcService
{
    public override async Task<ConfigV1.RoutingConfig> PutConfig(ConfigV1.PutConfigRequest request, ServerCallContext context)
    {
        tokens.RequireAdmin(context);
        var tenantId = TenantPolicyMapping.RequireTenantId(request.TenantId);
        var configId = RoutingConfigMapping.RequireConfigId(request.ConfigId);
        var (canonical, errors) = ConfigValidator.Validate(request.Json);
        if (canonical is null)
        {
            throw RoutingConfigMapping.InvalidConfig(errors);
        }

        try
        {
            var stored = await configs.PutAsync(tenantId, configId, canonical, context.CancellationToken);
            LogConfigStored(logger, tenantId, configId, stored.Version);
            return stored.ToContract();
        }
        catch (NpgsqlException ex) when (ex.IsTransient)
        {
            LogDatabaseUnavailable(logger, ex.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, "The config store is unavailable; retry later."));
        }
    }

    public override async Task<ConfigV1.RoutingConfig> GetConfig(ConfigV1.GetConfigRequest request, ServerCallContext context)
    {
        RequireInternalOrAdmin(context);
        var tenantId = TenantPolicyMapping.RequireTenantId(request.TenantId);
        var configId = RoutingConfigMapping.RequireConfigId(request.ConfigId);
        if (request.Version < 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "version must be 0 (latest) or a stored version."));
        }

        try
        {
            var stored = await configs.GetAsync(tenantId, configId, request.Version, context.CancellationToken);
            return stored?.ToContract() ?? throw new RpcException(new Status(StatusCode.NotFound,
                request.Version == 0 ? $"Config '{configId}' not found." : $"Config '{configId}' has no version {request.Version}."));
        }
        catch (NpgsqlException ex) when (ex.IsTransient)
        {
            LogDatabaseUnavailable(logger, ex.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, "The config store is unavailable; retry later."));
        }
    }

    public override async Task<ConfigV1.ListConfigVersionsResponse> ListConfigVersions(ConfigV1.ListConfigVersionsRequest request, ServerCallContext context)
    {
        RequireInternalOrAdmin(context);
        var tenantId = TenantPolicyMapping.RequireTenantId(request.TenantId);
        var configId = RoutingConfigMapping.RequireConfigId(request.ConfigId);
        try
        {
            var versions = await configs.ListVersionsAsync(tenantId, configId, context.CancellationToken);
            if (versions.Count == 0)
            {
                throw new RpcException(new Status(StatusCode.NotFound, $"Config '{configId}' not found."));
            }

            var response = new ConfigV1.ListConfigVersionsResponse { TenantId = tenantId, ConfigId = configId, LatestVersion = versions[^1].Version };
            foreach (var version in versions)
            {
                response.Versions.Add(new ConfigV1.ConfigVersion
                {
                    Version = version.Version,
                    CreatedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(version.CreatedAt),
                });
            }

            return response;
        }
        catch (NpgsqlException ex) when (ex.IsTransient)
        {
            LogDatabaseUnavailable(logger, ex.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, "The config store is unavailable; retry later."));
        }
    }

    public override Task<ConfigV1.ValidateConfigResponse> ValidateConfig(ConfigV1.ValidateConfigRequest request, ServerCallContext context)
    {
        RequireInternalOrAdmin(context);
        var (canonical, errors) = ConfigValidator.Validate(request.Json);
        var response = new ConfigV1.ValidateConfigResponse { Valid = canonical is not null, CanonicalJson = canonical ?? "" };
        response.Errors.AddRange(errors.Select(e => e.ToContract()));
        return Task.FromResult(response);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {TenantId} config {ConfigId} stored as version {Version}")]
    private static partial void LogConfigStored(ILogger logger, string tenantId, string configId, int version);
}
