using System.Text.Json;

namespace Gateway.Edge.Routing;

/// <summary>Applies a target's <c>override_params</c> to the top level of a JSON request body: overridden fields are
/// replaced in place, new ones appended. Only called when there is something to override, so the usual request is
/// forwarded byte for byte.</summary>
internal static class BodyOverrides
{
    public static byte[] Apply(ReadOnlySpan<byte> body, IReadOnlyList<KeyValuePair<string, JsonElement>> overrides)
    {
        var reader = new Utf8JsonReader(body);
        using var document = JsonDocument.ParseValue(ref reader);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(body.Length + 256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var property in document.RootElement.EnumerateObject())
            {
                if (Find(overrides, property.Name) is { } replacement)
                {
                    writer.WritePropertyName(property.Name);
                    replacement.WriteTo(writer);
                }
                else
                {
                    // The client's own bytes, not a re-encoding of them (escapes and number formats stay as sent).
                    writer.WritePropertyName(property.Name);
                    writer.WriteRawValue(property.Value.GetRawText(), skipInputValidation: true);
                }
            }

            foreach (var (name, value) in overrides)
            {
                if (!document.RootElement.TryGetProperty(name, out _))
                {
                    writer.WritePropertyName(name);
                    value.WriteTo(writer);
                }
            }

            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static JsonElement? Find(IReadOnlyList<KeyValuePair<string, JsonElement>> overrides, string name)
    {
        foreach (var (key, value) in overrides)
        {
            if (key == name)
            {
                return value;
            }
        }

        return null;
    }
}
