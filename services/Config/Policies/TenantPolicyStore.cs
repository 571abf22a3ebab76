using Gateway.Config.Changes;
using Npgsql;

namespace Gateway.Config.Policies;

/// <summary>Tenant policies in PostgreSQL (<c>tenant_policies</c>).</summary>
internal sealed class TenantPolicyStore(NpgsqlDataSource dataSource)
{
    private const string SelectSql = """
        SELECT allowed_custom_hosts, allow_private_hosts FROM tenant_policies WHERE tenant_id = $1
        """;

    private const string UpsertSql = """
        INSERT INTO tenant_policies (tenant_id, allowed_custom_hosts, allow_private_hosts, updated_at)
        VALUES ($1, $2, $3, now())
        ON CONFLICT (tenant_id) DO UPDATE
        SET allowed_custom_hosts = EXCLUDED.allowed_custom_hosts,
            allow_private_hosts = EXCLUDED.allow_private_hosts,
            updated_at = now()
        """;

    /// <summary>The stored policy, or the default when the tenant has none.</summary>
    public async Task<TenantPolicy> GetAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(SelectSql);
        command.Parameters.AddWithValue(tenantId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return TenantPolicy.Default(tenantId);
        }

        return new TenantPolicy(tenantId, reader.GetFieldValue<string[]>(0), reader.GetBoolean(1));
    }

    /// <summary>Replaces the tenant's policy; <paramref name="policy"/> must already be validated.</summary>
    public async Task PutAsync(TenantPolicy policy, CancellationToken cancellationToken)
    {
        // One batch runs as one implicit transaction, so the NOTIFY goes out only if the upsert commits.
        await using var batch = dataSource.CreateBatch();
        var upsert = new NpgsqlBatchCommand(UpsertSql);
        upsert.Parameters.Add(new NpgsqlParameter { Value = policy.TenantId });
        upsert.Parameters.Add(new NpgsqlParameter { Value = policy.AllowedCustomHosts.ToArray() });
        upsert.Parameters.Add(new NpgsqlParameter { Value = policy.AllowPrivateHosts });
        batch.BatchCommands.Add(upsert);
        batch.BatchCommands.Add(new ChangeNotification(ChangeKind.Policy, policy.TenantId, policy.TenantId, "").ToBatchCommand());
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
