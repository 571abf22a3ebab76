using System.Buffers;
using System.Text.Json;
using Microsoft.Net.Http.Headers;

namespace Gateway.Edge.Errors;

/// <summary>Writes gateway-made errors as OpenAI-style JSON, or as a final SSE event once a stream has started.</summary>
internal static class ErrorWriter
{
    private static ReadOnlySpan<byte> DataPrefix => "data: "u8;
    private static ReadOnlySpan<byte> EventEnd => "\n\n"u8;

    public static async Task WriteAsync(HttpResponse response, GatewayError error, CancellationToken cancellationToken)
    {
        response.StatusCode = error.StatusCode;
        foreach (var (name, value) in error.Headers)
        {
            response.Headers[name] = value;
        }

        response.Headers[HeaderNames.ContentType] = "application/json";
        await JsonSerializer.SerializeAsync(response.Body, Envelope(error), ErrorJsonContext.Default.ErrorEnvelope, cancellationToken);
    }

    /// <summary>The status line is already sent, so a failure mid-stream can only be told in the stream itself.</summary>
    public static async Task WriteStreamEventAsync(HttpResponse response, GatewayError error, CancellationToken cancellationToken)
    {
        var writer = response.BodyWriter;
        writer.Write(DataPrefix);
        using (var json = new Utf8JsonWriter(writer))
        {
            JsonSerializer.Serialize(json, Envelope(error), ErrorJsonContext.Default.ErrorEnvelope);
        }

        writer.Write(EventEnd);
        await writer.FlushAsync(cancellationToken);
    }

    public static byte[] Wrap(string message, string type, string code) =>
        JsonSerializer.SerializeToUtf8Bytes(new ErrorEnvelope(new ErrorBody(message, type, code)), ErrorJsonContext.Default.ErrorEnvelope);

    private static ErrorEnvelope Envelope(GatewayError error) => new(new ErrorBody(error.Message, error.Type, error.Code));
}
