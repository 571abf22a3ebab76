using System.Net;
using Gateway.Contracts.Analytics.V1;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Gateway.Bench.Analytics;

/// <summary>An h2c endpoint at UsageIngest.Ingest's path that reads the request body and answers an empty
/// IngestResponse without parsing anything: timing the benchmark's client against it gives the cost of sending
/// (gRPC client, HTTP/2 on both ends, sockets), which is then not charged to the service.</summary>
internal sealed class NoOpIngestServer : IAsyncDisposable
{
    // A gRPC message frame holding an empty message: not compressed, length 0.
    private static readonly byte[] EmptyResponseFrame = [0, 0, 0, 0, 0];

    private readonly WebApplication _app;

    private NoOpIngestServer(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    public Uri Address { get; }

    public static async Task<NoOpIngestServer> StartAsync()
    {
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        app.MapPost($"/{UsageIngest.Descriptor.FullName}/Ingest", async context =>
        {
            var body = context.Request.BodyReader;
            while (true)
            {
                var read = await body.ReadAsync(context.RequestAborted);
                body.AdvanceTo(read.Buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }

            context.Response.ContentType = "application/grpc";
            await context.Response.BodyWriter.WriteAsync(EmptyResponseFrame, context.RequestAborted);
            context.Response.AppendTrailer("grpc-status", "0");
        });
        await app.StartAsync();
        return new NoOpIngestServer(app, new Uri($"http://127.0.0.1:{port}"));
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
