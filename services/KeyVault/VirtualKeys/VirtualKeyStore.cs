using System.Text.Json;
using Gateway.KeyVault.Audit;
using Gateway.KeyVault.Crypto;
using Gateway.KeyVault.Revocations;
using Npgsql;
using NpgsqlTypes;

namespace Gateway.KeyVault.VirtualKeys;

/// <summary>Persists virtual keys with their credential sealed by <see cref="EnvelopeEncryption"/>; the plaintext
/// credential never reaches the database.</summary>
internal sealed class VirtualKeyStore(NpgsqlDataSource dataSource, EnvelopeEncryption encryption)
{
    private const string ForeignKeyViolation = "23503";
    private const string UniqueViolation = "23505";

    public async Task<(VirtualKeyCreateOutcome Outcome, VirtualKeyRecord? Key)> CreateAsync(
        NewVirtualKey key, CancellationToken cancellationToken)
    {
        var id = Guid.CreateVersion7();
        var sealedCredential = encryption.Encrypt(key.TenantId, key.Slug, key.Credential);

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var insert = new NpgsqlCommand("""
            INSERT INTO virtual_keys
                (id, tenant_id, slug, provider, base_url, extras, master_key_id, wrapped_data_key, nonce, ciphertext)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
            RETURNING created_at
            """, connection, transaction);
        insert.Parameters.Add(new NpgsqlParameter { Value = id });
        insert.Parameters.Add(new NpgsqlParameter { Value = key.TenantId });
        insert.Parameters.Add(new NpgsqlParameter { Value = key.Slug });
        insert.Parameters.Add(new NpgsqlParameter { Value = key.Provider });
        insert.Parameters.Add(new NpgsqlParameter { Value = (object?)key.BaseUrl ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        insert.Parameters.Add(new NpgsqlParameter { Value = SerializeExtras(key.Extras), NpgsqlDbType = NpgsqlDbType.Jsonb });
        insert.Parameters.Add(new NpgsqlParameter { Value = sealedCredential.MasterKeyId });
        insert.Parameters.Add(new NpgsqlParameter { Value = sealedCredential.WrappedDataKey });
        insert.Parameters.Add(new NpgsqlParameter { Value = sealedCredential.Nonce });
        insert.Parameters.Add(new NpgsqlParameter { Value = sealedCredential.Ciphertext });

        DateTime createdAt;
        try
        {
            createdAt = (DateTime)(await insert.ExecuteScalarAsync(cancellationToken))!;
        }
        catch (PostgresException ex) when (ex.SqlState is ForeignKeyViolation or UniqueViolation)
        {
            return (ex.SqlState == ForeignKeyViolation ? VirtualKeyCreateOutcome.TenantNotFound : VirtualKeyCreateOutcome.SlugTaken, null);
        }

        await AuditLog.AppendAsync(connection, transaction, AuditLog.VirtualKeyCreate, key.TenantId, id.ToString(), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (VirtualKeyCreateOutcome.Created, new VirtualKeyRecord(
            id, key.TenantId, key.Slug, key.Provider, key.BaseUrl, key.Extras, sealedCredential.MasterKeyId, createdAt));
    }

    /// <summary>The tenant's virtual key with this slug, credential decrypted, or null. The lookup is by
    /// (tenant, slug), so another tenant's slug is simply not found.</summary>
    public async Task<ResolvedVirtualKey?> ResolveAsync(string tenantId, string slug, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, provider, base_url, extras, master_key_id, wrapped_data_key, nonce, ciphertext
            FROM virtual_keys WHERE tenant_id = $1 AND slug = $2
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = tenantId });
        command.Parameters.Add(new NpgsqlParameter { Value = slug });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        var sealedCredential = new EncryptedCredential(
            reader.GetString(4), reader.GetFieldValue<byte[]>(5), reader.GetFieldValue<byte[]>(6), reader.GetFieldValue<byte[]>(7));
        return new ResolvedVirtualKey(
            reader.GetGuid(0),
            reader.GetString(1),
            encryption.Decrypt(tenantId, slug, sealedCredential),
            reader.IsDBNull(2) ? null : reader.GetString(2),
            DeserializeExtras(reader.GetString(3)));
    }

    /// <summary>The tenant's virtual keys, ordered by slug, without credentials.</summary>
    public async Task<IReadOnlyList<VirtualKeyRecord>> ListAsync(string tenantId, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, slug, provider, base_url, extras, master_key_id, created_at
            FROM virtual_keys WHERE tenant_id = $1 ORDER BY slug
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = tenantId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<VirtualKeyRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new VirtualKeyRecord(reader.GetGuid(0), tenantId, reader.GetString(1), reader.GetString(2),
                reader.IsDBNull(3) ? null : reader.GetString(3), DeserializeExtras(reader.GetString(4)), reader.GetString(5),
                reader.GetDateTime(6)));
        }

        return keys;
    }

    /// <summary>Deletes the tenant's virtual key and returns what it was, or null when the tenant has no such slug.</summary>
    public async Task<VirtualKeyRecord?> DeleteAsync(string tenantId, string slug, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var delete = new NpgsqlCommand("""
            DELETE FROM virtual_keys WHERE tenant_id = $1 AND slug = $2
            RETURNING id, slug, provider, base_url, extras, master_key_id, created_at
            """, connection, transaction);
        delete.Parameters.Add(new NpgsqlParameter { Value = tenantId });
        delete.Parameters.Add(new NpgsqlParameter { Value = slug });
        VirtualKeyRecord? deleted;
        await using (var reader = await delete.ExecuteReaderAsync(cancellationToken))
        {
            deleted = await reader.ReadAsync(cancellationToken)
                ? new VirtualKeyRecord(reader.GetGuid(0), tenantId, reader.GetString(1), reader.GetString(2),
                    reader.IsDBNull(3) ? null : reader.GetString(3), DeserializeExtras(reader.GetString(4)), reader.GetString(5),
                    reader.GetDateTime(6))
                : null;
        }

        if (deleted is not null)
        {
            await AuditLog.AppendAsync(connection, transaction, AuditLog.VirtualKeyDelete, tenantId, deleted.Id.ToString(), cancellationToken);
            await new Revocation(RevocationTarget.VirtualKey, tenantId, slug).NotifyAsync(connection, transaction, cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    private static string SerializeExtras(IReadOnlyDictionary<string, string> extras) =>
        JsonSerializer.Serialize(new Dictionary<string, string>(extras, StringComparer.Ordinal), ExtrasJsonContext.Default.DictionaryStringString);

    private static Dictionary<string, string> DeserializeExtras(string json) =>
        JsonSerializer.Deserialize(json, ExtrasJsonContext.Default.DictionaryStringString) ?? [];
}
