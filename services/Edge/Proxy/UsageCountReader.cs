using System.Text.Json;

namespace Gateway.Edge.Proxy;

/// <summary>Reads the token counts inside a provider's usage object. The reader stands on a property name; a value
/// that is not what a count should be reads as zero, because a malformed count must not fail the relay.</summary>
internal static class UsageCountReader
{
    /// <summary>The number after the current property name, or 0 when it is not an int64.</summary>
    public static long ReadCount(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
        {
            // Step over the whole value, or its insides would be read as the usage object's next properties.
            reader.Skip();
            return 0;
        }

        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : 0;
    }

    /// <summary>The count <paramref name="name"/> in the details object after the current property name
    /// (e.g. <c>prompt_tokens_details.cached_tokens</c>), or 0 when it is absent or not an object.</summary>
    public static long ReadDetail(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return 0;
        }

        long value = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(name))
            {
                value = ReadCount(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return value;
    }
}
