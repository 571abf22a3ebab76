using Gateway.ServiceDefaults.Data.Notifications;
using Npgsql;

namespace Gateway.Config.Changes;

/// <summary>LISTENs for config, price and policy changes from any Config replica (see <see cref="ChangeNotification"/>)
/// and hands them to the Watch streams.</summary>
internal sealed class ChangeListener(
    NpgsqlDataSource dataSource,
    NotificationBroadcaster<ChangeNotification> broadcaster,
    ILogger<ChangeListener> logger) : PostgresNotificationListener<ChangeNotification>(dataSource, broadcaster, logger)
{
    protected override string Channel => ChangeNotification.Channel;

    protected override ChangeNotification? Parse(string payload) => ChangeNotification.FromPayload(payload);
}
