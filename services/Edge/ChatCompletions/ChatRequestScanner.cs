using System.Text.Json;
using Gateway.Edge.Errors;
using Gateway.Edge.Pipeline;

namespace Gateway.Edge.ChatCompletions;

/// <summary>Validates a chat completion body in one forward pass with <see cref="Utf8JsonReader"/> (no DOM, no
/// deserialisation) and picks out <c>model</c>, <c>stream</c> and <c>stream_options.include_usage</c>.</summary>
internal static class ChatRequestScanner
{
    private static readonly byte[] InsertStreamOptions = "\"stream_options\":{\"include_usage\":true},"u8.ToArray();
    private static readonly byte[] StreamOptionsObject = "{\"include_usage\":true}"u8.ToArray();
    private static readonly byte[] IncludeUsageOnly = "\"include_usage\":true"u8.ToArray();
    private static readonly byte[] IncludeUsageFirst = "\"include_usage\":true,"u8.ToArray();
    private static readonly byte[] True = "true"u8.ToArray();

    public static Outcome<ChatRequestInfo> Scan(ReadOnlySpan<byte> body) =>
        JsonBodyScan.Run(body, "a JSON chat completion request", ScanObject);

    private static Outcome<ChatRequestInfo> ScanObject(ReadOnlySpan<byte> body, ref Utf8JsonReader reader)
    {
        var rootStart = (int)reader.TokenStartIndex;
        string? model = null;
        var hasModel = false;
        var hasMessages = false;
        var stream = false;
        StreamOptions options = default;

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                hasModel = true;
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
            else if (reader.ValueTextEquals("stream_options"u8))
            {
                reader.Read();
                var scanned = ScanStreamOptions(ref reader);
                if (scanned is null)
                {
                    return GatewayError.InvalidBody("invalid_stream_options",
                        "'stream_options' must be an object whose 'include_usage' is true or false.");
                }

                options = scanned.Value;
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

        if (!hasModel)
        {
            return GatewayError.InvalidBody("missing_model", "The request body has no 'model'.");
        }

        if (!hasMessages)
        {
            return GatewayError.InvalidBody("missing_messages", "The request body has no 'messages' array.");
        }

        return new ChatRequestInfo(model!, stream, options.IncludeUsage, UsageEdit(options, rootStart));
    }

    private static StreamOptions? ScanStreamOptions(ref Utf8JsonReader reader)
    {
        var start = (int)reader.TokenStartIndex;
        if (reader.TokenType == JsonTokenType.Null)
        {
            return new StreamOptions(StreamOptionsKind.Null, start, 4, false, -1, 0, true);
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        var empty = true;
        var includeUsage = false;
        int valueStart = -1, valueLength = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            empty = false;
            if (reader.ValueTextEquals("include_usage"u8))
            {
                reader.Read();
                if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null))
                {
                    return null;
                }

                includeUsage = reader.TokenType == JsonTokenType.True;
                valueStart = (int)reader.TokenStartIndex;
                valueLength = reader.ValueSpan.Length;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new StreamOptions(StreamOptionsKind.Object, start, 0, includeUsage, valueStart, valueLength, empty);
    }

    private static BodyEdit? UsageEdit(StreamOptions options, int rootStart) => options.Kind switch
    {
        StreamOptionsKind.Absent => new BodyEdit(rootStart + 1, 0, InsertStreamOptions),
        StreamOptionsKind.Null => new BodyEdit(options.Start, options.Length, StreamOptionsObject),
        _ when options.IncludeUsage => null,
        _ when options.IncludeUsageStart >= 0 => new BodyEdit(options.IncludeUsageStart, options.IncludeUsageLength, True),
        _ => new BodyEdit(options.Start + 1, 0, options.Empty ? IncludeUsageOnly : IncludeUsageFirst),
    };

    private enum StreamOptionsKind
    {
        Absent,
        Null,
        Object,
    }

    private readonly record struct StreamOptions(
        StreamOptionsKind Kind, int Start, int Length, bool IncludeUsage, int IncludeUsageStart, int IncludeUsageLength, bool Empty);
}
