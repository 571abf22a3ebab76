using Gateway.Config.Changes;
using Npgsql;

namespace Gateway.Config.Policies;

/// <summary>Tenant policies in PostgreSQL (<c>tenant_policies</c>).</summary>
internal sealed class TenantPolicyStore(NpgsqlDataSource dataSource)
{
    private const string SelectSql = """
        SELECT allowed_custom_hosts, allow_private_hosts, allowed_providers, default_config_id, cache_enabled,
               cache_max_age_seconds, monthly_budget_usd, requests_per_minute, tokens_per_minute,
               key_requests_per_minute, key_tokens_per_minute
        FROM tenant_policies WHERE tenant_id = $1
        """;

    private const string UpsertSql = """
        INSERT INTO tenant_policies (tenant_id, allowed_custom_hosts, allow_private_hosts, allowed_providers,
            default_config_id, cache_enabled, cache_max_age_seconds, monthly_budget_usd, requests_per_minute,
            tokens_per_minute, key_requests_per_minute, key_tokens_per_minute, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now())
        ON CONFLICT (tenant_id) DO UPDATE
        SET allowed_custom_hosts = EXCLUDED.allowed_custom_hosts,
            allow_private_hosts = EXCLUDED.allow_private_hosts,
            allowed_providers = EXCLUDED.allowed_providers,
            default_config_id = EXCLUDED.default_config_id,
            cache_enabled = EXCLUDED.cache_enabled,
            cache_max_age_seconds = EXCLUDED.cache_max_age_seconds,
            monthly_budget_usd = EXCLUDED.monthly_budget_usd,
            requests_per_minute = EXCLUDED.requests_per_minute,
            tokens_per_minute = EXCLUDED.tokens_per_minute,
            key_requests_per_minute = EXCLUDED.key_requests_per_minute,
            key_tokens_per_minute = EXCLUDED.key_tokens_per_minute,
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

        var limits = new PolicyLimits(
            reader.GetFieldValue<string[]>(2),
            reader.GetString(3),
            reader.GetBoolean(4),
            reader.GetInt64(5),
            reader.IsDBNull(6) ? null : reader.GetDecimal(6),
            reader.GetInt32(7),
            reader.GetInt64(8),
            reader.GetInt32(9),
            reader.GetInt64(10));
        return new TenantPolicy(tenantId, reader.GetFieldValue<string[]>(0), reader.GetBoolean(1), limits);
    }

    /// <summary>Replaces the tenant's policy; <paramref name="policy"/> must already be validated.</summary>
    public async Task PutAsync(TenantPolicy policy, CancellationToken cancellationToken)
    {
        // One batch runs as one implicit transaction, so the NOTIFY goes out only if the upsert commits.
        await using var batch = dataSource.CreateBatch();
        var upsert = new NpgsqlBatchCommand(UpsertSql);
        var limits = policy.Limits;
        foreach (var value in new object[]
        {
            policy.TenantId, policy.AllowedCustomHosts.ToArray(), policy.AllowPrivateHosts, limits.AllowedProviders.ToArray(),
            limits.DefaultConfigId, limits.CacheEnabled, limits.CacheMaxAgeSeconds, (object?)limits.MonthlyBudgetUsd ?? DBNull.Value,
            limits.RequestsPerMinute, limits.TokensPerMinute, limits.KeyRequestsPerMinute, limits.KeyTokensPerMinute,
        })
        {
            upsert.Parameters.Add(new NpgsqlParameter { Value = value });
        }

        // A null budget carries no type of its own.
        upsert.Parameters[7].NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Numeric;
        batch.BatchCommands.Add(upsert);
        batch.BatchCommands.Add(new ChangeNotification(ChangeKind.Policy, policy.TenantId, policy.TenantId, "").ToBatchCommand());
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }
}
