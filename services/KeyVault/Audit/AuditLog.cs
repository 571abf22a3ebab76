using Npgsql;

namespace Gateway.KeyVault.Audit;

/// <summary>Appends one audit row per security-relevant change, inside the caller's transaction so the record and the
/// change commit together.</summary>
internal static class AuditLog
{
    public const string TenantCreate = "tenant.create";
    public const string ApiKeyCreate = "api_key.create";
    public const string ApiKeyRevoke = "api_key.revoke";
    public const string VirtualKeyDelete = "virtual_key.delete";
    public const string MasterKeyReEncrypt = "master_key.reencrypt";
    public const string VirtualKeyCreate = "virtual_key.create";

    public static async Task AppendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string action,
        string tenantId, string subjectId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "INSERT INTO audit_log (action, tenant_id, subject_id) VALUES ($1, $2, $3)", connection, transaction);
        command.Parameters.Add(new NpgsqlParameter { Value = action });
        command.Parameters.Add(new NpgsqlParameter { Value = tenantId });
        command.Parameters.Add(new NpgsqlParameter { Value = subjectId });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
