using System.Text.Json;
using Gateway.Edge.Errors;
using Gateway.Edge.Pipeline;

namespace Gateway.Edge.Messages;

/// <summary>What the gateway reads of an Anthropic Messages request: the model and whether it streams.</summary>
internal sealed record MessagesRequestInfo(string Model, bool Stream);

/// <summary>Validates an Anthropic Messages (or count_tokens) body in one <see cref="Utf8JsonReader"/> pass: a JSON
/// object with a <c>model</c> and a non-empty <c>messages</c> array of objects. The rest is the provider's to check
/// (forwarded natively) or the translator's (<see cref="Translation.MessagesToChatRequest"/>).</summary>
internal static class MessagesRequestScanner
{
    public static Outcome<MessagesRequestInfo> Scan(ReadOnlySpan<byte> body) =>
        JsonBodyScan.Run(body, "a JSON Messages API request", ScanObject);

    private static Outcome<MessagesRequestInfo> ScanObject(ReadOnlySpan<byte> body, ref Utf8JsonReader reader)
    {
        string? model = null;
        var hasMessages = false;
        var stream = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                if (RequestFieldReader.ReadModel(ref reader, out model) is { } modelError)
                {
                    return modelError;
                }
            }
            else if (reader.ValueTextEquals("messages"u8))
            {
                if (RequestFieldReader.ReadMessages(ref reader) is { } messagesError)
                {
                    return messagesError;
                }

                hasMessages = true;
            }
            else if (reader.ValueTextEquals("stream"u8))
            {
                if (RequestFieldReader.ReadStream(ref reader, out stream) is { } streamError)
                {
                    return streamError;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // Anything after the root object (a second value, garbage) makes the reader throw here.
        while (reader.Read())
        {
        }

        if (model is null)
        {
            return GatewayError.InvalidBody("missing_model", "The request body has no 'model'.");
        }

        return hasMessages
            ? new MessagesRequestInfo(model, stream)
            : GatewayError.InvalidBody("missing_messages", "The request body has no 'messages' array.");
    }
}
