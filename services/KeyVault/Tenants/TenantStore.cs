using Gateway.KeyVault.Audit;
using Npgsql;

namespace Gateway.KeyVault.Tenants;

internal sealed class TenantStore(NpgsqlDataSource dataSource)
{
    /// <summary>Creates the tenant, or with <paramref name="ifNotExists"/> returns the one that already has this id.
    /// Racing creators are safe: the insert decides, not a prior read.</summary>
    public async Task<(TenantCreateOutcome Outcome, TenantRecord? Tenant)> CreateAsync(
        string id, string displayName, bool ifNotExists, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var insert = new NpgsqlCommand("""
            INSERT INTO tenants (id, display_name) VALUES ($1, $2)
            ON CONFLICT (id) DO NOTHING
            RETURNING id, display_name, created_at
            """, connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter { Value = id });
            insert.Parameters.Add(new NpgsqlParameter { Value = displayName });
            var created = await ReadSingleAsync(insert, cancellationToken);
            if (created is not null)
            {
                await AuditLog.AppendAsync(connection, transaction, AuditLog.TenantCreate, id, id, cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return (TenantCreateOutcome.Created, created);
            }
        }

        await transaction.RollbackAsync(cancellationToken);
        if (!ifNotExists)
        {
            return (TenantCreateOutcome.AlreadyExists, null);
        }

        return (TenantCreateOutcome.Existing, await GetAsync(id, cancellationToken));
    }

    public async Task<TenantRecord?> GetAsync(string id, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT id, display_name, created_at FROM tenants WHERE id = $1");
        command.Parameters.Add(new NpgsqlParameter { Value = id });
        return await ReadSingleAsync(command, cancellationToken);
    }

    /// <summary>Up to <paramref name="limit"/> tenants with ids after <paramref name="afterId"/>, ordered by id
    /// (keyset paging: stable while tenants are added).</summary>
    public async Task<IReadOnlyList<TenantRecord>> ListAsync(string afterId, int limit, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT id, display_name, created_at FROM tenants WHERE id > $1 ORDER BY id LIMIT $2");
        command.Parameters.Add(new NpgsqlParameter { Value = afterId });
        command.Parameters.Add(new NpgsqlParameter { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var tenants = new List<TenantRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            tenants.Add(new TenantRecord(reader.GetString(0), reader.GetString(1), reader.GetDateTime(2)));
        }

        return tenants;
    }

    private static async Task<TenantRecord?> ReadSingleAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken)
            ? new TenantRecord(reader.GetString(0), reader.GetString(1), reader.GetDateTime(2))
            : null;
    }
}
