using Gateway.KeyVault.Audit;
using Gateway.KeyVault.Revocations;
using Npgsql;
using NpgsqlTypes;

namespace Gateway.KeyVault.ApiKeys;

internal sealed class ApiKeyStore(NpgsqlDataSource dataSource)
{
    private const string ForeignKeyViolation = "23503";

    private const string Columns =
        "id, tenant_id, name, prefix, created_at, expires_at, revoked_at, last_used_at, allowed_providers, allowed_models, allowed_config_ids";

    /// <summary>Creates a key for the tenant and returns it with its secret (the only time the secret exists outside
    /// the caller), or null when the tenant does not exist.</summary>
    public async Task<(ApiKeyRecord Key, string Secret)?> CreateAsync(NewApiKey key, CancellationToken cancellationToken)
    {
        var (secret, prefix) = ApiKeySecret.Generate();
        var id = Guid.CreateVersion7();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = new NpgsqlCommand("""
            INSERT INTO api_keys (id, tenant_id, name, prefix, key_hash, expires_at, allowed_providers, allowed_models, allowed_config_ids)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            RETURNING created_at
            """, connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter { Value = id });
        insert.Parameters.Add(new NpgsqlParameter { Value = key.TenantId });
        insert.Parameters.Add(new NpgsqlParameter { Value = key.Name });
        insert.Parameters.Add(new NpgsqlParameter { Value = prefix });
        insert.Parameters.Add(new NpgsqlParameter { Value = ApiKeySecret.Hash(secret) });
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)key.ExpiresAt ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        insert.Parameters.Add(new NpgsqlParameter { Value = key.Scopes.Providers });
        insert.Parameters.Add(new NpgsqlParameter { Value = key.Scopes.Models });
        insert.Parameters.Add(new NpgsqlParameter { Value = key.Scopes.ConfigIds });

        DateTime createdAt;
        try
        {
            createdAt = (DateTime)(await insert.ExecuteScalarAsync(cancellationToken))!;
        }
        catch (PostgresException ex) when (ex.SqlState == ForeignKeyViolation)
        {
            return null;
        }

        await AuditLog.AppendAsync(connection, transaction, AuditLog.ApiKeyCreate, key.TenantId, id.ToString(), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (new ApiKeyRecord(id, key.TenantId, key.Name, prefix, createdAt, key.Scopes, key.ExpiresAt), secret);
    }

    /// <summary>The key with this secret if it exists, is not revoked and has not expired; otherwise null. Records
    /// last use at most once a minute per key, in the same round trip, so resolution stays a single statement.</summary>
    public async Task<ResolvedApiKey?> ResolveAsync(string secret, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH hit AS (
                SELECT id, tenant_id, name, last_used_at, allowed_providers, allowed_models, allowed_config_ids FROM api_keys
                WHERE key_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())),
            touched AS (
                UPDATE api_keys SET last_used_at = now() FROM hit
                WHERE api_keys.id = hit.id
                  AND (hit.last_used_at IS NULL OR hit.last_used_at < now() - interval '1 minute'))
            SELECT id, tenant_id, name, allowed_providers, allowed_models, allowed_config_ids FROM hit
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = ApiKeySecret.Hash(secret) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ResolvedApiKey(reader.GetGuid(0), reader.GetString(1), reader.GetString(2), new ApiKeyScopeSet(
                reader.GetFieldValue<string[]>(3), reader.GetFieldValue<string[]>(4), reader.GetFieldValue<string[]>(5)))
            : null;
    }

    /// <summary>The tenant's keys, newest first. Filtered by tenant in SQL, so another tenant's keys never load.</summary>
    public async Task<IReadOnlyList<ApiKeyRecord>> ListAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            $"SELECT {Columns} FROM api_keys WHERE tenant_id = $1 ORDER BY created_at DESC, id DESC");
        command.Parameters.Add(new NpgsqlParameter { Value = tenantId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<ApiKeyRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(Read(reader));
        }

        return keys;
    }

    /// <summary>Revokes the tenant's key and returns it, or null when the tenant has no such key. Revoking twice keeps
    /// the first revocation time and writes one audit row only.</summary>
    public async Task<ApiKeyRecord?> RevokeAsync(string tenantId, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var update = new NpgsqlCommand(
            "UPDATE api_keys SET revoked_at = now() WHERE tenant_id = $1 AND id = $2 AND revoked_at IS NULL", connection, transaction);
        update.Parameters.Add(new NpgsqlParameter { Value = tenantId });
        update.Parameters.Add(new NpgsqlParameter { Value = id });
        if (await update.ExecuteNonQueryAsync(cancellationToken) == 1)
        {
            await AuditLog.AppendAsync(connection, transaction, AuditLog.ApiKeyRevoke, tenantId, id.ToString(), cancellationToken);
            await new Revocation(RevocationTarget.ApiKey, tenantId, id.ToString()).NotifyAsync(connection, transaction, cancellationToken);
        }

        await using var select = new NpgsqlCommand(
            $"SELECT {Columns} FROM api_keys WHERE tenant_id = $1 AND id = $2", connection, transaction);
        select.Parameters.Add(new NpgsqlParameter { Value = tenantId });
        select.Parameters.Add(new NpgsqlParameter { Value = id });
        ApiKeyRecord? revoked;
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            revoked = await reader.ReadAsync(cancellationToken) ? Read(reader) : null;
        }

        await transaction.CommitAsync(cancellationToken);
        return revoked;
    }

    private static ApiKeyRecord Read(NpgsqlDataReader reader) => new(
        reader.GetGuid(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetDateTime(4),
        new ApiKeyScopeSet(reader.GetFieldValue<string[]>(8), reader.GetFieldValue<string[]>(9), reader.GetFieldValue<string[]>(10)),
        NullableDate(reader, 5), NullableDate(reader, 6), NullableDate(reader, 7));

    private static DateTime? NullableDate(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetDateTime(ordinal);
}
