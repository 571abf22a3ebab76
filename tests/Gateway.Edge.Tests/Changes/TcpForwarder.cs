using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Gateway.Testing;

namespace Gateway.Edge.Tests.Changes;

/// <summary>A loopback TCP forwarder with a fixed port in front of a server whose port changes, so a client keeps
/// one address while the server behind it is restarted (a new in-process host always gets new ports), and that can cut
/// the server off and reconnect it, so a test decides exactly when a client's calls and watch streams fail and when
/// they come back (a service whose database is still recovering, as the Edge sees it).</summary>
public sealed class TcpForwarder : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ConcurrentDictionary<Socket, bool> _open = new();
    private readonly Task _acceptLoop;
    private volatile bool _cut;

    /// <param name="cut">Start cut off, so a test sees the first connection happen.</param>
    public TcpForwarder(int targetPort, bool cut = false)
    {
        TargetPort = targetPort;
        _cut = cut;
        Port = FreePort.Next();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Start();
        _acceptLoop = AcceptAsync();
    }

    public int Port { get; }

    /// <summary>Where new connections go; open connections stay with the old target until it closes them.</summary>
    public int TargetPort { get; set; }

    public Uri Address => new($"http://127.0.0.1:{Port}");

    /// <summary>Closes every open connection and closes new ones as soon as they are accepted.</summary>
    public void Cut()
    {
        _cut = true;
        foreach (var socket in _open.Keys)
        {
            socket.Dispose();
        }
    }

    public void Reconnect() => _cut = false;

    public async ValueTask DisposeAsync()
    {
        Cut();
        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket downstream;
            try
            {
                downstream = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            if (_cut)
            {
                downstream.Dispose();
                continue;
            }

            var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                await upstream.ConnectAsync(IPAddress.Loopback, TargetPort, _stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                downstream.Dispose();
                upstream.Dispose();
                continue;
            }

            _open[downstream] = true;
            _open[upstream] = true;
            _ = PumpAsync(downstream, upstream);
            _ = PumpAsync(upstream, downstream);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
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
            // One side closed, or the connection was cut.
        }
        finally
        {
            _open.TryRemove(from, out _);
            _open.TryRemove(to, out _);
            from.Dispose();
            to.Dispose();
        }
    }
}
