using Npgsql;

namespace Gateway.KeyVault.Revocations;

/// <summary>Holds one connection LISTENing on the revocation channel and hands every notification to the
/// <see cref="RevocationBroadcaster"/>. NOTIFY reaches every replica, so all replicas' streams agree.</summary>
internal sealed partial class RevocationListener(
    NpgsqlDataSource dataSource,
    RevocationBroadcaster broadcaster,
    ILogger<RevocationListener> logger) : BackgroundService
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
                    if (Revocation.FromPayload(e.Payload) is { } revocation)
                    {
                        broadcaster.Publish(revocation);
                    }
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {Revocation.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                // After a reconnect, revocations made while we were away were never heard: tell clients to resync.
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Revocation listener lost its database connection, reconnecting: {Reason}")]
    private static partial void LogListenerLost(ILogger logger, string reason);
}
