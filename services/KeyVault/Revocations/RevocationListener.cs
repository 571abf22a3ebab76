using Gateway.ServiceDefaults.Data.Notifications;
using Npgsql;

namespace Gateway.KeyVault.Revocations;

/// <summary>LISTENs for key revocations and virtual key deletions from any KeyVault replica (see
/// <see cref="Revocation"/>) and hands them to the revocation watch streams.</summary>
internal sealed class RevocationListener(
    NpgsqlDataSource dataSource,
    NotificationBroadcaster<Revocation> broadcaster,
    ILogger<RevocationListener> logger) : PostgresNotificationListener<Revocation>(dataSource, broadcaster, logger)
{
    protected override string Channel => Revocation.Channel;

    protected override Revocation? Parse(string payload) => Revocation.FromPayload(payload);
}
