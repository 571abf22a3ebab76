using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.ChatCompletions;

/// <summary>A body over Edge:MaxRequestBodyBytes from a client that is still sending: the Edge reads and drops the
/// rest (within its drain allowance) before answering, so the client reads the JSON 413 instead of a connection reset
/// (the kernel resets a connection closed with unread bytes, which can destroy the answer before it is read). Past the
/// allowance the connection is closed as before, promptly.
/// <para>Measured before the drain (same test, 50 rounds of 2 MiB over a 256 KiB limit): chunked, 8 of 50 rounds got
/// a broken pipe instead of the 413; with a Content-Length, Kestrel's own drain already delivered all 50.</para></summary>
[Collection(EdgeCollection.Name)]
public sealed class OversizedBodyTests(EdgeFixture fixture) : IAsyncLifetime
{
    private const int Rounds = 50;

    private FakeOpenAiServer _provider = null!;
    private TestTenant _tenant = null!;
    private string _virtualKey = null!;

    public async Task InitializeAsync()
    {
        _provider = await FakeOpenAiServer.StartAsync();
        _tenant = await fixture.CreateTenantAsync();
        _virtualKey = (await fixture.CreateVirtualKeyAsync(_tenant, "openai", _provider.BaseUrl)).Slug;
    }

    public async Task DisposeAsync() => await _provider.DisposeAsync();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task A_client_still_sending_an_oversized_body_reads_the_json_413(bool chunked)
    {
        var body = Body(8 * EdgeFixture.MaxRequestBodyBytes);
        using var client = fixture.Edge.CreateHttpClient();
        var failures = new List<string>();
        for (var round = 0; round < Rounds; round++)
        {
            using var request = ChatRequests.Create("{}", _tenant, _virtualKey);
            request.Content = new TrickleContent(body, chunked);
            request.Content.Headers.ContentType = new("application/json");
            try
            {
                using var response = await client.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                if (response.StatusCode != HttpStatusCode.RequestEntityTooLarge || ErrorCode(text) != "request_too_large")
                {
                    failures.Add($"round {round}: {(int)response.StatusCode} close={response.Headers.ConnectionClose} {text}");
                }
            }
            catch (HttpRequestException ex)
            {
                failures.Add($"round {round}: no answer ({ex.HttpRequestError}: {ex.InnerException?.Message ?? ex.Message})");
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {Rounds} rounds failed:\n{string.Join("\n", failures)}");
    }

    [Fact]
    public async Task A_body_that_never_ends_is_cut_off_within_the_drain_time_and_the_edge_keeps_serving()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, fixture.Edge.HttpAddress.Port);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var head = "POST /v1/chat/completions HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
            + $"Authorization: Bearer {_tenant.ApiKey}\r\nx-gateway-virtual-key: {_virtualKey}\r\nTransfer-Encoding: chunked\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head));
        var chunk = Encoding.ASCII.GetBytes($"{16 * 1024:x}\r\n" + new string('x', 16 * 1024) + "\r\n");

        // Sends until the Edge stops taking the body: it must not read an endless body for ever.
        var stopwatch = Stopwatch.StartNew();
        var sent = 0L;
        try
        {
            while (stopwatch.Elapsed < TimeSpan.FromSeconds(30))
            {
                await stream.WriteAsync(chunk);
                sent += chunk.Length;
            }
        }
        catch (IOException)
        {
            // Closed (or reset) by the Edge.
        }

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(20), $"the Edge still read the body after {stopwatch.Elapsed} ({sent} bytes)");
        using var client = fixture.Edge.CreateHttpClient();
        using var healthy = await client.SendAsync(ChatRequests.Create(ChatRequests.Body(), _tenant, _virtualKey));
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
    }

    private static byte[] Body(int size)
    {
        var head = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"";
        const string Tail = "\"}]}";
        return Encoding.UTF8.GetBytes(head + new string('x', size - head.Length - Tail.Length) + Tail);
    }

    private static string? ErrorCode(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.GetProperty("error").GetProperty("code").GetString();
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>A body written in small pieces, flushed one by one, as a client uploading it would (chunked or with a
    /// Content-Length).</summary>
    private sealed class TrickleContent(byte[] body, bool chunked) : HttpContent
    {
        private const int Piece = 16 * 1024;

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < body.Length; offset += Piece)
            {
                await stream.WriteAsync(body.AsMemory(offset, Math.Min(Piece, body.Length - offset)));
                await stream.FlushAsync();
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = body.Length;
            return !chunked;
        }
    }
}
