using Gateway.KeyVault.Audit;
using Npgsql;

namespace Gateway.KeyVault.ApiKeys;

internal sealed class ApiKeyStore(NpgsqlDataSource dataSource)
{
    private const string ForeignKeyViolation = "23503";

    /// <summary>Creates a key for the tenant and returns it with its secret (the only time the secret exists outside
    /// the caller), or null when the tenant does not exist.</summary>
    public async Task<(ApiKeyRecord Key, string Secret)?> CreateAsync(string tenantId, string name, CancellationToken cancellationToken)
    {
        var (secret, prefix) = ApiKeySecret.Generate();
        var id = Guid.CreateVersion7();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = new NpgsqlCommand("""
            INSERT INTO api_keys (id, tenant_id, name, prefix, key_hash) VALUES ($1, $2, $3, $4, $5)
            RETURNING created_at
            """, connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter { Value = id });
        insert.Parameters.Add(new NpgsqlParameter { Value = tenantId });
        insert.Parameters.Add(new NpgsqlParameter { Value = name });
        insert.Parameters.Add(new NpgsqlParameter { Value = prefix });
        insert.Parameters.Add(new NpgsqlParameter { Value = ApiKeySecret.Hash(secret) });

        DateTime createdAt;
        try
        {
            createdAt = (DateTime)(await insert.ExecuteScalarAsync(cancellationToken))!;
        }
        catch (PostgresException ex) when (ex.SqlState == ForeignKeyViolation)
        {
            return null;
        }

        await AuditLog.AppendAsync(connection, transaction, AuditLog.ApiKeyCreate, tenantId, id.ToString(), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (new ApiKeyRecord(id, tenantId, name, prefix, createdAt), secret);
    }

    /// <summary>The key with this secret if it exists, is not revoked and has not expired; otherwise null. Records
    /// last use at most once a minute per key, in the same round trip, so resolution stays a single statement.</summary>
    public async Task<ResolvedApiKey?> ResolveAsync(string secret, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH hit AS (
                SELECT id, tenant_id, name, last_used_at FROM api_keys
                WHERE key_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())),
            touched AS (
                UPDATE api_keys SET last_used_at = now() FROM hit
                WHERE api_keys.id = hit.id
                  AND (hit.last_used_at IS NULL OR hit.last_used_at < now() - interval '1 minute'))
            SELECT id, tenant_id, name FROM hit
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = ApiKeySecret.Hash(secret) });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new ResolvedApiKey(reader.GetGuid(0), reader.GetString(1), reader.GetString(2))
            : null;
    }
}
