using System.Buffers;
using Gateway.Edge.Errors;
using Gateway.Edge.Translation;
using Microsoft.Net.Http.Headers;

namespace Gateway.Edge.Messages;

/// <summary>Gateway-made errors on <c>/v1/messages</c> in Anthropic's shape, which its SDKs parse:
/// <c>{"type":"error","error":{"type","message"}}</c> with the type Anthropic uses for the status, or, once a stream
/// has started, an <c>event: error</c>.</summary>
internal static class MessagesErrorWriter
{
    public static async Task WriteAsync(HttpResponse response, GatewayError error, CancellationToken cancellationToken)
    {
        response.StatusCode = error.StatusCode;
        foreach (var (name, value) in error.Headers)
        {
            response.Headers[name] = value;
        }

        response.Headers[HeaderNames.ContentType] = "application/json";
        AnthropicErrorBody.Write(response.BodyWriter, AnthropicErrorBody.TypeFor(error.StatusCode), error.Message);
        await response.BodyWriter.FlushAsync(cancellationToken);
    }

    public static async Task WriteStreamEventAsync(HttpResponse response, GatewayError error, CancellationToken cancellationToken)
    {
        var writer = response.BodyWriter;
        writer.Write("event: error\ndata: "u8);
        AnthropicErrorBody.Write(writer, AnthropicErrorBody.TypeFor(error.StatusCode), error.Message);
        writer.Write("\n\n"u8);
        await writer.FlushAsync(cancellationToken);
    }
}
