using System.Net;
using System.Net.Sockets;
using System.Text;
using Gateway.Testing;

namespace Gateway.Edge.Tests.Providers;

/// <summary>A raw HTTP/1.1 provider that answers every request with a body that never ends (chunked, of the given
/// content type), or with one fixed body, and counts what it managed to send. Raw sockets, so nothing in between
/// buffers or limits the answer.</summary>
public sealed class OversizedUpstream : IAsyncDisposable
{
    private const int ChunkBytes = 16 * 1024;

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _acceptLoop;
    private readonly string _contentType;
    private readonly byte[]? _fixedBody;
    private readonly byte[] _prefix;
    private long _sent;
    private int _closed;

    private OversizedUpstream(string contentType, byte[]? fixedBody, byte[] prefix)
    {
        _contentType = contentType;
        _fixedBody = fixedBody;
        _prefix = prefix;
        var port = FreePort.Next();
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        BaseUrl = $"http://127.0.0.1:{port}/v1";
        _acceptLoop = AcceptAsync();
    }

    public string BaseUrl { get; }

    /// <summary>Body bytes written to the sockets so far.</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Answers whose connection the client closed before the body ended.</summary>
    public int ClosedByClient => Volatile.Read(ref _closed);

    /// <summary>A body of <paramref name="prefix"/> and then 'x' forever.</summary>
    public static OversizedUpstream Endless(string contentType, string prefix) => new(contentType, null, Encoding.UTF8.GetBytes(prefix));

    public static OversizedUpstream Fixed(string contentType, byte[] body) => new(contentType, body, []);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _acceptLoop;
        _stopping.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptSocketAsync(_stopping.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = AnswerAsync(socket);
        }
    }

    private async Task AnswerAsync(Socket socket)
    {
        using var _ = socket;
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        try
        {
            // One request per connection: read its head and body, answer, close.
            var contentLength = await ReadRequestHeadAsync(stream);
            var body = new byte[Math.Max(contentLength, 0)];
            await stream.ReadExactlyAsync(body, _stopping.Token);

            if (_fixedBody is not null)
            {
                var head = $"HTTP/1.1 200 OK\r\nContent-Type: {_contentType}\r\nContent-Length: {_fixedBody.Length}\r\nConnection: close\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(head), _stopping.Token);
                await stream.WriteAsync(_fixedBody, _stopping.Token);
                Interlocked.Add(ref _sent, _fixedBody.Length);
                return;
            }

            await stream.WriteAsync(Encoding.ASCII.GetBytes(
                $"HTTP/1.1 200 OK\r\nContent-Type: {_contentType}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"), _stopping.Token);
            await WriteChunkAsync(stream, _prefix);
            var filler = new byte[ChunkBytes];
            filler.AsSpan().Fill((byte)'x');
            while (true)
            {
                await WriteChunkAsync(stream, filler);
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException)
        {
            Interlocked.Increment(ref _closed);
        }
        catch (OperationCanceledException)
        {
            // Disposed.
        }
    }

    private async Task WriteChunkAsync(NetworkStream stream, byte[] chunk)
    {
        if (chunk.Length == 0)
        {
            return;
        }

        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{chunk.Length:x}\r\n"), _stopping.Token);
        await stream.WriteAsync(chunk, _stopping.Token);
        await stream.WriteAsync("\r\n"u8.ToArray(), _stopping.Token);
        Interlocked.Add(ref _sent, chunk.Length);
    }

    /// <summary>Reads up to the blank line ending the request head; returns its Content-Length (0 without one).</summary>
    private async Task<int> ReadRequestHeadAsync(NetworkStream stream)
    {
        var head = new StringBuilder();
        var one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
        {
            if (await stream.ReadAsync(one, _stopping.Token) == 0)
            {
                throw new IOException("The client closed before sending a request.");
            }

            head.Append((char)one[0]);
        }

        foreach (var line in head.ToString().Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
            {
                return int.Parse(line["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }
}
