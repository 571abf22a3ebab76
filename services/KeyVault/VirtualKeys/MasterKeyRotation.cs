using Gateway.KeyVault.Audit;
using Gateway.KeyVault.Crypto;
using Npgsql;

namespace Gateway.KeyVault.VirtualKeys;

/// <summary>The result of one re-encryption run.</summary>
internal sealed record ReEncryptionResult(string ActiveMasterKeyId, int ReEncrypted, int Remaining, string[] UnknownMasterKeyIds);

/// <summary>Re-wraps the data keys of rows still under a previous master key, so that key can then be removed from the
/// configuration. Works in batches, each in its own short transaction with the rows locked (SKIP LOCKED, so two runs
/// at once share the work instead of waiting); every re-wrapped row gets an audit record in the same transaction.
/// Only configured key ids are selected, so rows whose key is missing are reported, not retried forever.</summary>
internal sealed class MasterKeyRotation(NpgsqlDataSource dataSource, EnvelopeEncryption encryption, MasterKeyRing masterKeys)
{
    public const int DefaultBatchSize = 100;

    public async Task<ReEncryptionResult> ReEncryptAsync(int batchSize, CancellationToken cancellationToken)
    {
        var activeKeyId = masterKeys.CurrentKeyId;
        var previousKeyIds = masterKeys.KeyIds.Where(id => id != activeKeyId).ToArray();
        var total = 0;
        while (previousKeyIds.Length > 0)
        {
            var done = await ReEncryptBatchAsync(previousKeyIds, batchSize, cancellationToken);
            if (done == 0)
            {
                break;
            }

            total += done;
        }

        await using var remaining = dataSource.CreateCommand(
            "SELECT master_key_id, count(*)::int FROM virtual_keys WHERE master_key_id <> $1 GROUP BY master_key_id ORDER BY 1");
        remaining.Parameters.Add(new NpgsqlParameter { Value = activeKeyId });
        await using var reader = await remaining.ExecuteReaderAsync(cancellationToken);
        List<string> unknown = [];
        var left = 0;
        while (await reader.ReadAsync(cancellationToken))
        {
            unknown.Add(reader.GetString(0));
            left += reader.GetInt32(1);
        }

        return new ReEncryptionResult(activeKeyId, total, left, [.. unknown]);
    }

    private async Task<int> ReEncryptBatchAsync(string[] previousKeyIds, int batchSize, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var select = new NpgsqlCommand("""
            SELECT id, tenant_id, master_key_id, wrapped_data_key, nonce, ciphertext FROM virtual_keys
            WHERE master_key_id = ANY($1)
            ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
            """, connection, transaction);
        select.Parameters.Add(new NpgsqlParameter { Value = previousKeyIds });
        select.Parameters.Add(new NpgsqlParameter { Value = batchSize });
        List<(Guid Id, string TenantId, EncryptedCredential Credential)> rows = [];
        await using (var reader = await select.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetGuid(0), reader.GetString(1), new EncryptedCredential(reader.GetString(2),
                    reader.GetFieldValue<byte[]>(3), reader.GetFieldValue<byte[]>(4), reader.GetFieldValue<byte[]>(5))));
            }
        }

        foreach (var (id, tenantId, credential) in rows)
        {
            var rewrapped = encryption.Rewrap(credential);
            await using var update = new NpgsqlCommand(
                "UPDATE virtual_keys SET master_key_id = $2, wrapped_data_key = $3 WHERE id = $1", connection, transaction);
            update.Parameters.Add(new NpgsqlParameter { Value = id });
            update.Parameters.Add(new NpgsqlParameter { Value = rewrapped.MasterKeyId });
            update.Parameters.Add(new NpgsqlParameter { Value = rewrapped.WrappedDataKey });
            await update.ExecuteNonQueryAsync(cancellationToken);
            await AuditLog.AppendAsync(connection, transaction, AuditLog.MasterKeyReEncrypt, tenantId, id.ToString(), cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return rows.Count;
    }
}
