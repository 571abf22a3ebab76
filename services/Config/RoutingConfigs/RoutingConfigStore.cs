using Gateway.Config.Changes;
using Npgsql;

namespace Gateway.Config.RoutingConfigs;

/// <summary>Routing configs in PostgreSQL. Every query names the tenant, so one tenant can never read another's.</summary>
internal sealed class RoutingConfigStore(NpgsqlDataSource dataSource)
{
    // The upsert takes the pointer row's lock, so a concurrent put of the same config waits and gets the next number.
    private const string BumpSql = """
        INSERT INTO routing_configs (tenant_id, config_id, latest_version) VALUES ($1, $2, 1)
        ON CONFLICT (tenant_id, config_id) DO UPDATE
        SET latest_version = routing_configs.latest_version + 1, updated_at = now()
        RETURNING latest_version
        """;

    private const string InsertVersionSql = """
        INSERT INTO routing_config_versions (tenant_id, config_id, version, body) VALUES ($1, $2, $3, $4)
        RETURNING created_at
        """;

    private const string SelectSql = """
        SELECT v.version, v.body, v.created_at, c.latest_version
        FROM routing_configs c
        JOIN routing_config_versions v ON v.tenant_id = c.tenant_id AND v.config_id = c.config_id
        WHERE c.tenant_id = $1 AND c.config_id = $2 AND v.version = CASE WHEN $3 = 0 THEN c.latest_version ELSE $3 END
        """;

    private const string VersionsSql = """
        SELECT version, created_at FROM routing_config_versions WHERE tenant_id = $1 AND config_id = $2 ORDER BY version
        """;

    /// <summary>Stores <paramref name="canonicalJson"/> (already validated) as the next version and returns it.</summary>
    public async Task<StoredConfig> PutAsync(string tenantId, string configId, string canonicalJson, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        int version;
        await using (var bump = new NpgsqlCommand(BumpSql, connection, transaction))
        {
            bump.Parameters.AddWithValue(tenantId);
            bump.Parameters.AddWithValue(configId);
            version = (int)(await bump.ExecuteScalarAsync(cancellationToken))!;
        }

        DateTimeOffset createdAt;
        await using (var insert = new NpgsqlCommand(InsertVersionSql, connection, transaction))
        {
            insert.Parameters.AddWithValue(tenantId);
            insert.Parameters.AddWithValue(configId);
            insert.Parameters.AddWithValue(version);
            insert.Parameters.AddWithValue(canonicalJson);
            createdAt = new DateTimeOffset((DateTime)(await insert.ExecuteScalarAsync(cancellationToken))!, TimeSpan.Zero);
        }

        var change = new ChangeNotification(ChangeKind.Config, tenantId, configId, version.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await using (var notify = change.ToCommand(connection, transaction))
        {
            await notify.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new StoredConfig(tenantId, configId, version, canonicalJson, createdAt, version);
    }

    /// <summary>The given version (0 = latest), or null when the tenant has no such config or version.</summary>
    public async Task<StoredConfig?> GetAsync(string tenantId, string configId, int version, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(SelectSql);
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(configId);
        command.Parameters.AddWithValue(version);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new StoredConfig(tenantId, configId, reader.GetInt32(0), reader.GetString(1),
            reader.GetFieldValue<DateTimeOffset>(2), reader.GetInt32(3));
    }

    /// <summary>Every version, oldest first; empty when the tenant has no such config.</summary>
    public async Task<IReadOnlyList<ConfigVersionInfo>> ListVersionsAsync(string tenantId, string configId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(VersionsSql);
        command.Parameters.AddWithValue(tenantId);
        command.Parameters.AddWithValue(configId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var versions = new List<ConfigVersionInfo>();
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(new ConfigVersionInfo(reader.GetInt32(0), reader.GetFieldValue<DateTimeOffset>(1)));
        }

        return versions;
    }
}
