using System.Buffers;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;

namespace Gateway.Bench.Edge.Upstream;

/// <summary>The fake provider, run as its own process (<c>upstream --http1-port N --h2c-port M</c>) so its CPU and
/// memory are not the Edge's: <c>POST /v1/chat/completions</c> answers canned JSON, or a canned SSE stream when the
/// body asks for <c>"stream":true</c>. HTTP/1.1 on one port, HTTP/2 cleartext (prior knowledge) on the other.</summary>
internal static class FakeUpstream
{
    private static readonly byte[] StreamTrue = Encoding.UTF8.GetBytes("\"stream\":true");

    public static async Task<int> RunAsync(int http1Port, int h2cPort)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production" });
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, http1Port, listen => listen.Protocols = HttpProtocols.Http1);
            kestrel.Listen(IPAddress.Loopback, h2cPort, listen => listen.Protocols = HttpProtocols.Http2);
            kestrel.AddServerHeader = false;
        });

        var app = builder.Build();
        app.MapPost("/v1/chat/completions", AnswerAsync);
        app.MapGet("/health", () => "ok");
        await app.RunAsync();
        return 0;
    }

    private static async Task AnswerAsync(HttpContext context)
    {
        var stream = await ReadAsksForStreamAsync(context.Request);
        var response = context.Response;
        if (!stream)
        {
            response.ContentType = "application/json";
            response.ContentLength = CannedAnswers.Completion.Length;
            await response.Body.WriteAsync(CannedAnswers.Completion, context.RequestAborted);
            return;
        }

        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        foreach (var chunk in CannedAnswers.StreamEvents)
        {
            await response.Body.WriteAsync(chunk, context.RequestAborted);
            await response.Body.FlushAsync(context.RequestAborted);
        }
    }

    /// <summary>Reads the whole body (a real provider does too) and looks for <c>"stream":true</c> as the benchmark
    /// writes it, without parsing JSON.</summary>
    private static async Task<bool> ReadAsksForStreamAsync(HttpRequest request)
    {
        var reader = request.BodyReader;
        while (true)
        {
            var result = await reader.ReadAsync();
            var buffer = result.Buffer;
            if (result.IsCompleted)
            {
                var found = Contains(buffer);
                reader.AdvanceTo(buffer.End);
                return found;
            }

            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }

    private static bool Contains(ReadOnlySequence<byte> buffer) =>
        buffer.IsSingleSegment ? buffer.FirstSpan.IndexOf(StreamTrue) >= 0 : buffer.ToArray().AsSpan().IndexOf(StreamTrue) >= 0;
}
