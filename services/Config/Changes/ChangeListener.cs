using Npgsql;

namespace Gateway.Config.Changes;

/// <summary>Holds one connection LISTENing on the change channel and hands every notification to the
/// <see cref="ChangeBroadcaster"/>. NOTIFY reaches every replica's listener, so all replicas' Watch streams agree.</summary>
internal sealed partial class ChangeListener(
    NpgsqlDataSource dataSource,
    ChangeBroadcaster broadcaster,
    ILogger<ChangeListener> logger) : BackgroundService
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var connectedBefore = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (ChangeNotification.FromPayload(e.Payload) is { } change)
                    {
                        broadcaster.Publish(change);
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {ChangeNotification.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // After a reconnect, changes made while we were away were never heard: tell clients to resync.
                broadcaster.MarkLive(resync: connectedBefore);
                connectedBefore = true;
                while (true)
                {
                    await connection.WaitAsync(stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or IOException or TimeoutException)
            {
                broadcaster.MarkDown();
                LogListenerLost(logger, ex.Message);
                await Task.Delay(ReconnectDelay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Change listener lost its database connection, reconnecting: {Reason}")]
    private static partial void LogListenerLost(ILogger logger, string reason);
}
