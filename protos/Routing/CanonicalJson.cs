using System.Text;
using System.Text.Json;

namespace Gateway.Contracts.Routing;

/// <summary>Writes JSON with object keys in ordinal order and no insignificant whitespace, so two configs that mean
/// the same thing are stored (and compared, and cached by the Edge) as the same bytes.</summary>
public static class CanonicalJson
{
    public static string Write(JsonElement root)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteElement(writer, root);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteElement(Utf8JsonWriter writer, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    writer.WritePropertyName(property.Name);
                    WriteElement(writer, property.Value);
                }

                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteElement(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                // Numbers keep their original text: 0.1 must not become 0.1000000000000000055.
                element.WriteTo(writer);
                break;
        }
    }
}
