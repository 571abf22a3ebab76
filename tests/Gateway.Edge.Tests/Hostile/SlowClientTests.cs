extern alias edge;

using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace Gateway.Edge.Tests.Hostile;

/// <summary>Slowloris-style clients over raw sockets: headers or a body trickled in, or promised and never sent. Kestrel's
/// <c>RequestHeadersTimeout</c> and <c>MinRequestBodyDataRate</c> must cut them off within a bound (the hostile Edge sets
/// them shorter than the shipped defaults, which a test checks are in force), and meanwhile other clients are served.</summary>
[Collection(EdgeCollection.Name)]
public sealed class SlowClientTests(EdgeFixture fixture, ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>How long a cut-off may take beyond the configured timeout on a loaded 2-core machine (Kestrel checks
    /// timeouts on a one-second heartbeat).</summary>
    private static readonly TimeSpan Slack = TimeSpan.FromSeconds(15);

    private HostileEdge _edge = null!;

    public async Task InitializeAsync() => _edge = await HostileEdge.StartAsync(fixture);

    public async Task DisposeAsync() => await _edge.DisposeAsync();

    [Fact]
    public void Shipped_edge_keeps_kestrel_timeouts_for_slow_clients()
    {
        // The fixture's Edge runs with the shipped configuration: Kestrel's limits must be in force, not disabled.
        var limits = fixture.Edge.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;

        Assert.InRange(limits.RequestHeadersTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));
        Assert.NotNull(limits.MinRequestBodyDataRate);
        Assert.InRange(limits.MinRequestBodyDataRate!.BytesPerSecond, 100, 100_000);
        Assert.InRange(limits.MinRequestBodyDataRate.GracePeriod, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
        Assert.InRange(limits.MaxRequestHeadersTotalSize, 8 * 1024, 64 * 1024);
        Assert.InRange(limits.MaxRequestHeaderCount, 32, 200);

        // The hostile Edge's shorter values, which the tests below rely on.
        var hostile = _edge.Host.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
        Assert.Equal(HostileEdge.HeadersTimeout, hostile.RequestHeadersTimeout);
        Assert.Equal(HostileEdge.BodyRateGrace, hostile.MinRequestBodyDataRate!.GracePeriod);
    }

    [Fact]
    public async Task Slow_headers_are_cut_off()
    {
        using var socket = await ConnectAsync();
        var stopwatch = Stopwatch.StartNew();
        await SendAsync(socket, "POST /v1/chat/completions HTTP/1.1\r\nHost: edge\r\n");

        var (closed, response) = await TrickleUntilClosedAsync(socket, Encoding.ASCII.GetBytes("x-slow-header-" + new string('a', 200)),
            TimeSpan.FromMilliseconds(500), HostileEdge.HeadersTimeout + Slack);

        output.WriteLine($"cut off after {stopwatch.Elapsed.TotalSeconds:0.0} s: {FirstLine(response)}");
        Assert.True(closed, $"still open after {stopwatch.Elapsed}");
        Assert.True(response.Length == 0 || response.StartsWith("HTTP/1.1 408", StringComparison.Ordinal), response);
    }

    [Fact]
    public async Task Slow_body_is_cut_off_with_a_json_error()
    {
        using var socket = await ConnectAsync();
        var stopwatch = Stopwatch.StartNew();
        await SendAsync(socket, Head(contentLength: 4_000));

        var (closed, response) = await TrickleUntilClosedAsync(socket, Encoding.ASCII.GetBytes("{\"model\":\"gpt-4o-mini\",\"messages\":["),
            TimeSpan.FromMilliseconds(300), HostileEdge.BodyRateGrace + Slack);

        output.WriteLine($"cut off after {stopwatch.Elapsed.TotalSeconds:0.0} s: {FirstLine(response)}");
        Assert.True(closed || response.Length > 0, $"no answer after {stopwatch.Elapsed}");
        AssertJsonTimeout(response);
    }

    [Fact]
    public async Task Body_promised_and_never_sent_is_cut_off()
    {
        using var socket = await ConnectAsync();
        await SendAsync(socket, Head(contentLength: 1_000) + "{\"model\":");

        var stopwatch = Stopwatch.StartNew();
        var response = await ReadUntilClosedAsync(socket, HostileEdge.BodyRateGrace + Slack);
        output.WriteLine($"cut off after {stopwatch.Elapsed.TotalSeconds:0.0} s: {FirstLine(response)}");

        AssertJsonTimeout(response);
    }

    [Fact]
    public async Task Many_slow_clients_do_not_stop_the_edge_serving_others()
    {
        var sockets = new List<Socket>();
        try
        {
            for (var i = 0; i < 64; i++)
            {
                var socket = await ConnectAsync();
                await SendAsync(socket, i % 2 == 0 ? "POST /v1/chat/completions HTTP/1.1\r\nHost: edge\r\nx-slow: " : Head(contentLength: 10_000) + "{");
                sockets.Add(socket);
            }

            using var client = _edge.CreateClient();
            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions")
            {
                Content = new StringContent(ChatRequests.Body(), Encoding.UTF8, "application/json"),
            };
            request.Headers.Authorization = new("Bearer", _edge.Tenant.ApiKey);
            request.Headers.Add("x-gateway-virtual-key", _edge.OpenAiKey);
            using var response = await client.SendAsync(request);

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        finally
        {
            foreach (var socket in sockets)
            {
                socket.Dispose();
            }
        }
    }

    private string Head(int contentLength) =>
        "POST /v1/chat/completions HTTP/1.1\r\nHost: edge\r\nContent-Type: application/json\r\n"
        + $"Authorization: Bearer {_edge.Tenant.ApiKey}\r\nx-gateway-virtual-key: {_edge.OpenAiKey}\r\nContent-Length: {contentLength}\r\n\r\n";

    /// <summary>Kestrel's body-rate limit ends the read; the client is told so in a JSON 408 (or, when Kestrel
    /// closes first, nothing at all), never a 400 that blames the body's content, nor a 500.</summary>
    private static void AssertJsonTimeout(string response)
    {
        if (response.Length == 0)
        {
            return;
        }

        Assert.StartsWith("HTTP/1.1 408", response, StringComparison.Ordinal);
        var headerEnd = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (response.Contains("Content-Length: 0", StringComparison.OrdinalIgnoreCase) || headerEnd + 4 == response.Length)
        {
            return;
        }

        Assert.Contains("Content-Type: application/json", response, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"error\"", response, StringComparison.Ordinal);
    }

    private static string FirstLine(string response) =>
        response.Length == 0 ? "(connection closed, no response)" : response.ReplaceLineEndings(" | ")[..Math.Min(response.Length, 300)];

    private async Task<Socket> ConnectAsync()
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, _edge.Host.HttpPort);
        return socket;
    }

    private static async Task SendAsync(Socket socket, string text) => await socket.SendAsync(Encoding.ASCII.GetBytes(text));

    /// <summary>Sends <paramref name="bytes"/> one at a time every <paramref name="interval"/> until the server answers or
    /// closes; returns whether it did within <paramref name="bound"/> and what it sent.</summary>
    private static async Task<(bool Closed, string Response)> TrickleUntilClosedAsync(Socket socket, byte[] bytes, TimeSpan interval, TimeSpan bound)
    {
        var deadline = Stopwatch.StartNew();
        var received = new StringBuilder();
        var buffer = new byte[8192];
        var sent = 0;
        while (deadline.Elapsed < bound)
        {
            try
            {
                await socket.SendAsync(bytes.AsMemory(sent++ % bytes.Length, 1));
            }
            catch (SocketException)
            {
                return (true, received.ToString() + await ReadUntilClosedAsync(socket, TimeSpan.FromSeconds(5)));
            }

            using var wait = new CancellationTokenSource(interval);
            try
            {
                var read = await socket.ReceiveAsync(buffer, wait.Token);
                if (read == 0)
                {
                    return (true, received.ToString());
                }

                received.Append(Encoding.UTF8.GetString(buffer, 0, read));
                return (true, received + await ReadUntilClosedAsync(socket, TimeSpan.FromSeconds(5)));
            }
            catch (OperationCanceledException)
            {
                // Nothing yet: send the next byte.
            }
            catch (SocketException)
            {
                return (true, received.ToString());
            }
        }

        return (false, received.ToString());
    }

    /// <summary>Everything the server sends until it closes the connection or <paramref name="bound"/> passes.</summary>
    private static async Task<string> ReadUntilClosedAsync(Socket socket, TimeSpan bound)
    {
        var received = new StringBuilder();
        var buffer = new byte[8192];
        using var timeout = new CancellationTokenSource(bound);
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, timeout.Token)) > 0)
            {
                received.Append(Encoding.UTF8.GetString(buffer, 0, read));
                if (IsComplete(received.ToString()))
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"the connection was still open after {bound}; received: {received}");
        }
        catch (SocketException)
        {
            // Reset by the server: cut off.
        }

        return received.ToString();
    }

    /// <summary>A response with a Content-Length whose body has fully arrived (Kestrel may keep the socket open).</summary>
    private static bool IsComplete(string response)
    {
        var headerEnd = response.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        if (headerEnd < 0)
        {
            return false;
        }

        foreach (var line in response[..headerEnd].Split("\r\n"))
        {
            if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(line["Content-Length:".Length..].Trim(), out var length))
            {
                return response.Length - headerEnd - 4 >= length;
            }
        }

        return false;
    }
}
