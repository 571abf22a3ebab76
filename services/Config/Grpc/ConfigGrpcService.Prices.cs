using Gateway.Config.Prices;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Npgsql;
using ConfigV1 = Gateway.Contracts.Config.V1;

namespace Gateway.Config.Grpc;

/// <summary>Price table versions and tenants' negotiated prices.</summary>
internal sealed partial class ConfigGrpcService
{
    public override async Task<ConfigV1.PriceTable> PutPriceTable(ConfigV1.PutPriceTableRequest request, ServerCallContext context)
    {
        tokens.RequireAdmin(context);
        var table = PriceRequestMapping.FromContract(request);
        try
        {
            if (!await priceWriter.PutAndActivateAsync(table, context.CancellationToken))
            {
                throw new RpcException(new Status(StatusCode.AlreadyExists,
                    $"Price table version '{table.Version}' already exists; versions are immutable, use a new one."));
            }

            LogPriceTableActivated(logger, table.Version, table.Prices.Count);
            return table.ToContract();
        }
        catch (NpgsqlException ex) when (ex.IsTransient)
        {
            LogDatabaseUnavailable(logger, ex.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, "The price store is unavailable; retry later."));
        }
    }

    public override async Task<ConfigV1.ListPriceVersionsResponse> ListPriceVersions(ConfigV1.ListPriceVersionsRequest request, ServerCallContext context)
    {
        RequireInternalOrAdmin(context);
        try
        {
            var response = new ConfigV1.ListPriceVersionsResponse();
            foreach (var version in await priceWriter.ListVersionsAsync(context.CancellationToken))
            {
                response.Versions.Add(new ConfigV1.PriceVersion
                {
                    Version = version.Version,
                    CreatedAt = Timestamp.FromDateTimeOffset(version.CreatedAt),
                    Active = version.Active,
                    ModelCount = version.ModelCount,
                });
            }

            return response;
        }
        catch (NpgsqlException ex) when (ex.IsTransient)
        {
            LogDatabaseUnavailable(logger, ex.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, "The price store is unavailable; retry later."));
        }
    }

    public override async Task<ConfigV1.PriceOverride> SetPriceOverride(ConfigV1.SetPriceOverrideRequest request, ServerCallContext context)
    {
        tokens.RequireAdmin(context);
        var tenantId = TenantPolicyMapping.RequireTenantId(request.TenantId);
        var price = PriceRequestMapping.FromContract(request.Price);
        try
        {
            await priceOverrides.SetAsync(tenantId, price, context.CancellationToken);
            LogPriceOverrideSet(logger, tenantId, price.Provider, price.Model);
            return new ConfigV1.PriceOverride { TenantId = tenantId, Price = price.ToContract(overridden: true) };
        }
        catch (NpgsqlException ex) when (ex.IsTransient)
        {
            LogDatabaseUnavailable(logger, ex.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, "The price store is unavailable; retry later."));
        }
    }

    public override async Task<ConfigV1.DeletePriceOverrideResponse> DeletePriceOverride(ConfigV1.DeletePriceOverrideRequest request, ServerCallContext context)
    {
        tokens.RequireAdmin(context);
        var tenantId = TenantPolicyMapping.RequireTenantId(request.TenantId);
        var provider = PriceRequestMapping.RequireName(request.Provider, "provider").ToLowerInvariant();
        var model = PriceRequestMapping.RequireName(request.Model, "model");
        try
        {
            return await priceOverrides.DeleteAsync(tenantId, provider, model, context.CancellationToken)
                ? new ConfigV1.DeletePriceOverrideResponse()
                : throw new RpcException(new Status(StatusCode.NotFound, $"Tenant has no override for {provider}/{model}."));
        }
        catch (NpgsqlException ex) when (ex.IsTransient)
        {
            LogDatabaseUnavailable(logger, ex.Message);
            throw new RpcException(new Status(StatusCode.Unavailable, "The price store is unavailable; retry later."));
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Price table {Version} stored and activated with {ModelCount} models")]
    private static partial void LogPriceTableActivated(ILogger logger, string version, int modelCount);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tenant {TenantId} price override set for {Provider}/{Model}")]
    private static partial void LogPriceOverrideSet(ILogger logger, string tenantId, string provider, string model);
}
