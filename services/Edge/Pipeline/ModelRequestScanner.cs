using System.Text.Json;
using Gateway.Edge.ChatCompletions;
using Gateway.Edge.Errors;

namespace Gateway.Edge.Pipeline;

/// <summary>What the gateway reads of an OpenAI request body other than chat (embeddings, legacy completions).</summary>
/// <param name="IncludeUsageEdit">For streams: how to make the upstream send its usage chunk, or null when the
/// client already asked for it.</param>
internal sealed record ModelRequest(string Model, bool Stream, bool IncludeUsage, BodyEdit? IncludeUsageEdit);

/// <summary>Validates a JSON request body in one <see cref="Utf8JsonReader"/> pass and picks out <c>model</c>,
/// <c>stream</c> and <c>stream_options.include_usage</c>; a required field (<c>input</c>, <c>prompt</c>) must be present.
/// Unlike chat, a <c>stream_options</c> without <c>include_usage: true</c> is replaced whole: it has no other
/// option these endpoints act on.</summary>
internal static class ModelRequestScanner
{
    private static readonly byte[] InsertStreamOptions = "\"stream_options\":{\"include_usage\":true},"u8.ToArray();
    private static readonly byte[] StreamOptionsObject = "{\"include_usage\":true}"u8.ToArray();

    public static Outcome<ModelRequest> Scan(ReadOnlySpan<byte> body, string requiredField) =>
        JsonBodyScan.Run(body, "a JSON request", requiredField, ScanObject);

    private static Outcome<ModelRequest> ScanObject(ReadOnlySpan<byte> body, ref Utf8JsonReader reader, string requiredField)
    {
        var rootStart = (int)reader.TokenStartIndex;
        string? model = null;
        bool stream = false, hasRequired = false, includeUsage = false;
        int optionsStart = -1, optionsLength = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                if (RequestFieldReader.ReadModel(ref reader, out model) is { } modelError)
                {
                    return modelError;
                }
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
                optionsStart = (int)reader.TokenStartIndex;
                includeUsage = reader.TokenType == JsonTokenType.StartObject && ReadIncludeUsage(ref reader);
                reader.Skip();
                optionsLength = (int)reader.BytesConsumed - optionsStart;
            }
            else
            {
                hasRequired |= reader.ValueTextEquals(requiredField);
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

        if (!hasRequired)
        {
            return GatewayError.InvalidBody("missing_" + requiredField, $"The request body has no '{requiredField}'.");
        }

        BodyEdit? edit = includeUsage ? null
            : optionsStart < 0 ? new BodyEdit(rootStart + 1, 0, InsertStreamOptions)
            : new BodyEdit(optionsStart, optionsLength, StreamOptionsObject);
        return new ModelRequest(model, stream, includeUsage, edit);
    }

    /// <summary>Reads a copy of the reader (the caller skips the object itself), so the original stays on its start.</summary>
    private static bool ReadIncludeUsage(ref Utf8JsonReader original)
    {
        var reader = original;
        var depth = reader.CurrentDepth;
        while (reader.Read() && reader.CurrentDepth > depth)
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == depth + 1 && reader.ValueTextEquals("include_usage"u8))
            {
                reader.Read();
                return reader.TokenType == JsonTokenType.True;
            }
        }

        return false;
    }
}
