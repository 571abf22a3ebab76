using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Gateway.Testing.Dapr;

/// <summary>Wraps a published message in the CloudEvent (structured JSON mode) Dapr posts to subscribers.</summary>
internal static class CloudEventEnvelope
{
    public const string ContentType = "application/cloudevents+json";

    public static byte[] Create(PublishedMessage message, string source)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("id", message.Id);
            writer.WriteString("source", source);
            writer.WriteString("type", "com.dapr.event.sent");
            writer.WriteString("specversion", "1.0");
            writer.WriteString("datacontenttype", message.DataContentType);
            writer.WriteString("topic", message.Topic);
            writer.WriteString("pubsubname", message.PubsubName);
            writer.WriteString("time", DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture));
            if (IsJson(message.DataContentType) && IsValidJson(message.Data))
            {
                writer.WritePropertyName("data");
                writer.WriteRawValue(message.Data.Span, skipInputValidation: true);
            }
            else if (IsText(message.DataContentType))
            {
                // Includes "JSON" that does not parse: Dapr would carry it as a string, so do the same.
                writer.WriteString("data", message.DataText);
            }
            else
            {
                writer.WriteBase64String("data_base64", message.Data.Span);
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static bool IsJson(string contentType)
    {
        var mediaType = contentType.Split(';')[0].Trim();
        return mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.Equals("text/json", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static bool IsText(string contentType) =>
        IsJson(contentType) || contentType.StartsWith("text/", StringComparison.OrdinalIgnoreCase);

    private static bool IsValidJson(ReadOnlyMemory<byte> data)
    {
        try
        {
            using var document = JsonDocument.Parse(data);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
