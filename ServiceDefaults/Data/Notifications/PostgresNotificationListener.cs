using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Gateway.ServiceDefaults.Data.Notifications;

/// <summary>Holds one connection LISTENing on <see cref="Channel"/> and hands every notification it can parse to the
/// <see cref="NotificationBroadcaster{T}"/>. NOTIFY reaches every replica's listener, so all replicas' watch streams
/// agree. After a reconnect it tells subscribers to resync: what was sent while it was away was never heard.</summary>
public abstract class PostgresNotificationListener<T>(
    NpgsqlDataSource dataSource,
    NotificationBroadcaster<T> broadcaster,
    ILogger logger) : BackgroundService where T : class
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(1);

    /// <summary>The PostgreSQL channel name (an identifier, never user input).</summary>
    protected abstract string Channel { get; }

    /// <summary>The notification a payload carries, or null to ignore it.</summary>
    protected abstract T? Parse(string payload);

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
                    if (Parse(e.Payload) is { } notification)
                    {
                        broadcaster.Publish(notification);
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

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
                NotificationLog.ListenerLost(logger, Channel, ex.Message);
                await Task.Delay(ReconnectDelay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}

internal static partial class NotificationLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Listener on channel {Channel} lost its database connection, reconnecting: {Reason}")]
    public static partial void ListenerLost(ILogger logger, string channel, string reason);
}
