using System.Net;
using System.Net.Sockets;

namespace Gateway.Testing;

public static class FreePort
{
    // Below the kernel's ephemeral range (32768-60999 on Linux): a port the OS hands out for "port 0" can be taken a
    // moment later by one of the thousands of outgoing connections the tests make, before the service binds it.
    // Ports here are never chosen for outgoing connections. Each test process starts at a random point so parallel
    // test assemblies rarely probe the same ports, and walks upwards so one process never hands out a port twice.
    private const int RangeStart = 15000;
    private const int RangeSize = 17000;

    private static int _next = Random.Shared.Next(RangeSize);

    /// <summary>A loopback TCP port that is free now and outside the ephemeral range.</summary>
    public static int Next()
    {
        for (var tries = 0; tries < RangeSize; tries++)
        {
            var port = RangeStart + (Interlocked.Increment(ref _next) % RangeSize);
            if (IsFree(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"No free loopback port in {RangeStart}-{RangeStart + RangeSize - 1}.");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
