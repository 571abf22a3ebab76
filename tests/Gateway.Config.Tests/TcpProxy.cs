using System.Net;
using System.Net.Sockets;
using Gateway.Testing;

namespace Gateway.Config.Tests;

/// <summary>A loopback TCP forwarder in front of a real server. <see cref="CutAsync"/> refuses new connections and
/// resets the open ones, as a network outage would; <see cref="Start"/> reconnects. The server itself is untouched.</summary>
public sealed class TcpProxy(int targetPort) : IAsyncDisposable
{
    private readonly List<Socket> _open = [];
    private TcpListener? _listener;
    private CancellationTokenSource? _stopping;
    private Task _acceptLoop = Task.CompletedTask;

    public int Port { get; } = FreePort.Next();

    public void Start()
    {
        _stopping = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Start();
        _acceptLoop = AcceptAsync(_listener, _stopping.Token);
    }

    public async Task CutAsync()
    {
        if (_listener is null || _stopping is null)
        {
            return;
        }

        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        _stopping.Dispose();
        _listener = null;
        _stopping = null;
        lock (_open)
        {
            foreach (var socket in _open)
            {
                Reset(socket);
            }

            _open.Clear();
        }
    }

    public async ValueTask DisposeAsync() => await CutAsync();

    private async Task AcceptAsync(TcpListener listener, CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            Socket downstream;
            try
            {
                downstream = await listener.AcceptSocketAsync(stopping);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, targetPort, stopping);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                Reset(downstream);
                upstream.Dispose();
                continue;
            }

            lock (_open)
            {
                _open.Add(downstream);
                _open.Add(upstream);
            }

            _ = PumpAsync(downstream, upstream);
            _ = PumpAsync(upstream, downstream);
        }
    }

    private static async Task PumpAsync(Socket from, Socket to)
    {
        var buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, read));
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // The other side or Cut() closed the connection.
        }
        finally
        {
            Reset(from);
            Reset(to);
        }
    }

    // Linger 0 makes Close send a reset, so the peer fails at once instead of waiting for a timeout.
    private static void Reset(Socket socket)
    {
        try
        {
            socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            // Already closed.
        }

        socket.Dispose();
    }
}
