using System.Text.Json;

namespace Gateway.Edge.Routing;

/// <summary>The request's <c>max_tokens</c> or <c>max_completion_tokens</c> (top level), for the admission's cost
/// estimate; null when it set neither or the body is not a JSON object.</summary>
internal static class MaxOutputTokens
{
    public static long? Read(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return null;
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isLimit = reader.ValueTextEquals("max_tokens"u8) || reader.ValueTextEquals("max_completion_tokens"u8);
                reader.Read();
                if (isLimit && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) && value > 0)
                {
                    return value;
                }

                reader.Skip();
            }
        }
        catch (JsonException)
        {
        }

        return null;
    }
}
