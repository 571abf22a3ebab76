using System.Diagnostics;
using System.Net.Sockets;

namespace Gateway.Testing;

/// <summary>A real redis-server on a free port, without persistence.</summary>
public sealed class RedisServer : IAsyncDisposable
{
    private Process _process;

    private RedisServer(Process process, int port)
    {
        _process = process;
        Port = port;
    }

    public int Port { get; }

    /// <summary>The running server's process id: benchmarks count its CPU.</summary>
    public int ProcessId => _process.Id;

    public string ConnectionString => $"127.0.0.1:{Port},abortConnect=false";

    public static async Task<RedisServer> StartAsync()
    {
        var port = FreePort.Next();
        var process = await LaunchAsync(port);
        return new RedisServer(process, port);
    }

    /// <summary>Kills the server (an outage) until <see cref="RestartAsync"/>.</summary>
    public async Task StopAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public async Task RestartAsync()
    {
        _process.Dispose();
        _process = await LaunchAsync(Port);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private static async Task<Process> LaunchAsync(int port)
    {
        var binary = ProcessRunner.Find("redis-server", "/usr/sbin", "/usr/local/bin");
        var process = ProcessRunner.Start(binary,
            ["--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", Path.GetTempPath()]);
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();

        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return process;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }

        throw new InvalidOperationException($"redis-server did not listen on port {port}.");
    }
}
