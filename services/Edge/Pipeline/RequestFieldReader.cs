using System.Text.Json;
using Gateway.Edge.Errors;

namespace Gateway.Edge.Pipeline;

/// <summary>Validation of the request-body fields the OpenAI and Anthropic shapes share, so every body scanner
/// rejects them with the same error. Each reader stands on the field's property name and leaves the reader on the
/// last token of its value; it returns null when the value is valid.</summary>
internal static class RequestFieldReader
{
    private const int MaxModelLength = 256;

    /// <summary><c>model</c>: a non-empty string of at most 256 characters.</summary>
    public static GatewayError? ReadModel(ref Utf8JsonReader reader, out string? model)
    {
        reader.Read();
        model = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return string.IsNullOrWhiteSpace(model) || model.Length > MaxModelLength
            ? GatewayError.InvalidBody("invalid_model", $"'model' must be a non-empty string of at most {MaxModelLength} characters.")
            : null;
    }

    /// <summary><c>messages</c>: a non-empty array of objects (their content is the provider's or translator's to check).</summary>
    public static GatewayError? ReadMessages(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return GatewayError.InvalidBody("invalid_messages", "'messages' must be an array of messages.");
        }

        var count = 0;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return GatewayError.InvalidBody("invalid_messages", $"'messages[{count}]' must be an object.");
            }

            reader.Skip();
            count++;
        }

        return count == 0 ? GatewayError.InvalidBody("invalid_messages", "'messages' must contain at least one message.") : null;
    }

    /// <summary><c>stream</c>: true, false or null (null means false).</summary>
    public static GatewayError? ReadStream(ref Utf8JsonReader reader, out bool stream)
    {
        reader.Read();
        stream = reader.TokenType == JsonTokenType.True;
        return reader.TokenType is JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null
            ? null
            : GatewayError.InvalidBody("invalid_stream", "'stream' must be true or false.");
    }
}
