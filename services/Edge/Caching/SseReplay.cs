using System.Buffers;
using System.Text.Json;

namespace Gateway.Edge.Caching;

/// <summary>Turns a stored <c>chat.completion</c> into the SSE stream a provider would have sent for it: per choice a
/// chunk with the role, the text in chunks of at most <see cref="MaxPieceChars"/> characters, one chunk per tool call
/// (complete, not fragmented), a finish chunk with the <c>finish_reason</c>; then the usage chunk (<c>"choices":[]</c>)
/// only when the client asked for it (<c>stream_options.include_usage</c>, in which case the other chunks carry
/// <c>"usage":null</c> as OpenAI's do), and <c>data: [DONE]</c>. Every chunk repeats the completion's id, created,
/// model and system_fingerprint.</summary>
internal static class SseReplay
{
    /// <summary>Text per chunk: large enough that a long answer is a handful of events, small enough that no single
    /// event gets big.</summary>
    public const int MaxPieceChars = 2048;

    private static ReadOnlySpan<byte> DataPrefix => "data: "u8;

    private static ReadOnlySpan<byte> EventEnd => "\n\n"u8;

    private static ReadOnlySpan<byte> Done => "data: [DONE]\n\n"u8;

    /// <summary>Writes the whole stream to <paramref name="output"/> (a response's <c>BodyWriter</c>, flushed by the
    /// caller). False, with nothing written, when <paramref name="completion"/> is not a chat completion object.</summary>
    public static bool TryWrite(ReadOnlyMemory<byte> completion, bool includeUsage, IBufferWriter<byte> output)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(completion);
        }
        catch (JsonException)
        {
            return false;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("choices"u8, out var choices)
                || choices.ValueKind != JsonValueKind.Array)
            {
                return false;
            }

            var header = new ChunkHeader(root, includeUsage);
            using var writer = new Utf8JsonWriter(output);
            foreach (var choice in choices.EnumerateArray())
            {
                if (choice.ValueKind == JsonValueKind.Object)
                {
                    WriteChoice(writer, output, header, choice);
                }
            }

            if (includeUsage && root.TryGetProperty("usage"u8, out var usage) && usage.ValueKind == JsonValueKind.Object)
            {
                Event(writer, output, () =>
                {
                    header.WriteStart(writer, usageNull: false);
                    writer.WriteStartArray("choices"u8);
                    writer.WriteEndArray();
                    writer.WritePropertyName("usage"u8);
                    usage.WriteTo(writer);
                    writer.WriteEndObject();
                });
            }

            output.Write(Done);
            return true;
        }
    }

    private static void WriteChoice(Utf8JsonWriter writer, IBufferWriter<byte> output, ChunkHeader header, JsonElement choice)
    {
        var index = choice.TryGetProperty("index"u8, out var indexElement) && indexElement.TryGetInt32(out var value) ? value : 0;
        var message = choice.TryGetProperty("message"u8, out var messageElement) && messageElement.ValueKind == JsonValueKind.Object
            ? messageElement
            : default;
        var logprobs = choice.TryGetProperty("logprobs"u8, out var logprobsElement) && logprobsElement.ValueKind != JsonValueKind.Null
            ? logprobsElement
            : default;
        var role = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role"u8, out var roleElement)
                   && roleElement.ValueKind == JsonValueKind.String
            ? roleElement.GetString()!
            : "assistant";

        Delta(writer, output, header, index, default, () => writer.WriteString("role"u8, role));
        if (message.ValueKind == JsonValueKind.Object)
        {
            foreach (var property in message.EnumerateObject())
            {
                WriteMessagePart(writer, output, header, index, property, ref logprobs);
            }
        }

        var finishReason = choice.TryGetProperty("finish_reason"u8, out var finish) && finish.ValueKind == JsonValueKind.String
            ? finish.GetString()
            : "stop";
        Event(writer, output, () =>
        {
            header.WriteStart(writer, header.IncludeUsage);
            writer.WriteStartArray("choices"u8);
            writer.WriteStartObject();
            writer.WriteNumber("index"u8, index);
            writer.WriteStartObject("delta"u8);
            writer.WriteEndObject();
            WriteLogprobs(writer, logprobs);
            writer.WriteString("finish_reason"u8, finishReason);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        });
    }

    /// <summary>One field of the stored message as delta chunks. The choice's logprobs (if any) ride on the first text
    /// chunk, after which they are spent.</summary>
    private static void WriteMessagePart(Utf8JsonWriter writer, IBufferWriter<byte> output, ChunkHeader header, int index,
        JsonProperty property, ref JsonElement logprobs)
    {
        var value = property.Value;
        if (property.NameEquals("role"u8) || value.ValueKind == JsonValueKind.Null
            || (value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 0))
        {
            return;
        }

        if (property.NameEquals("tool_calls"u8) && value.ValueKind == JsonValueKind.Array)
        {
            var position = 0;
            foreach (var call in value.EnumerateArray())
            {
                var callIndex = position++;
                Delta(writer, output, header, index, default, () =>
                {
                    writer.WriteStartArray("tool_calls"u8);
                    writer.WriteStartObject();
                    writer.WriteNumber("index"u8, callIndex);
                    if (call.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var part in call.EnumerateObject())
                        {
                            if (!part.NameEquals("index"u8))
                            {
                                part.WriteTo(writer);
                            }
                        }
                    }

                    writer.WriteEndObject();
                    writer.WriteEndArray();
                });
            }

            return;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            // function_call, audio, annotations ...: as they are, in one chunk.
            Delta(writer, output, header, index, default, () => property.WriteTo(writer));
            return;
        }

        var text = value.GetString()!;
        var start = 0;
        do
        {
            var length = Math.Min(MaxPieceChars, text.Length - start);
            if (length < text.Length - start && char.IsHighSurrogate(text[start + length - 1]))
            {
                // Never split a surrogate pair across chunks.
                length--;
            }

            var piece = text.AsMemory(start, length);
            var pieceLogprobs = logprobs;
            logprobs = default;
            Delta(writer, output, header, index, pieceLogprobs, () => writer.WriteString(property.Name, piece.Span));
            start += length;
        }
        while (start < text.Length);
    }

    /// <summary>One chunk of one choice whose delta holds what <paramref name="writeDelta"/> writes.</summary>
    private static void Delta(Utf8JsonWriter writer, IBufferWriter<byte> output, ChunkHeader header, int index,
        JsonElement logprobs, Action writeDelta) =>
        Event(writer, output, () =>
        {
            header.WriteStart(writer, header.IncludeUsage);
            writer.WriteStartArray("choices"u8);
            writer.WriteStartObject();
            writer.WriteNumber("index"u8, index);
            writer.WriteStartObject("delta"u8);
            writeDelta();
            writer.WriteEndObject();
            WriteLogprobs(writer, logprobs);
            writer.WriteNull("finish_reason"u8);
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        });

    private static void WriteLogprobs(Utf8JsonWriter writer, JsonElement logprobs)
    {
        if (logprobs.ValueKind == JsonValueKind.Undefined)
        {
            writer.WriteNull("logprobs"u8);
        }
        else
        {
            writer.WritePropertyName("logprobs"u8);
            logprobs.WriteTo(writer);
        }
    }

    /// <summary><c>data: </c>, the JSON <paramref name="writeJson"/> writes, and the blank line.</summary>
    private static void Event(Utf8JsonWriter writer, IBufferWriter<byte> output, Action writeJson)
    {
        output.Write(DataPrefix);
        writer.Reset(output);
        writeJson();
        writer.Flush();
        output.Write(EventEnd);
    }

    /// <summary>The fields every chunk repeats.</summary>
    private sealed class ChunkHeader(JsonElement root, bool includeUsage)
    {
        private readonly JsonElement _id = Property(root, "id"u8);
        private readonly JsonElement _created = Property(root, "created"u8);
        private readonly JsonElement _model = Property(root, "model"u8);
        private readonly JsonElement _systemFingerprint = Property(root, "system_fingerprint"u8);
        private readonly JsonElement _serviceTier = Property(root, "service_tier"u8);

        public bool IncludeUsage { get; } = includeUsage;

        /// <summary>Opens the chunk object and writes the shared fields; the caller writes choices (and usage).</summary>
        public void WriteStart(Utf8JsonWriter writer, bool usageNull)
        {
            writer.WriteStartObject();
            WriteIfPresent(writer, "id"u8, _id);
            writer.WriteString("object"u8, "chat.completion.chunk"u8);
            WriteIfPresent(writer, "created"u8, _created);
            WriteIfPresent(writer, "model"u8, _model);
            WriteIfPresent(writer, "system_fingerprint"u8, _systemFingerprint);
            WriteIfPresent(writer, "service_tier"u8, _serviceTier);
            if (usageNull)
            {
                writer.WriteNull("usage"u8);
            }
        }

        private static JsonElement Property(JsonElement root, ReadOnlySpan<byte> name) =>
            root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : default;

        private static void WriteIfPresent(Utf8JsonWriter writer, ReadOnlySpan<byte> name, JsonElement value)
        {
            if (value.ValueKind != JsonValueKind.Undefined)
            {
                writer.WritePropertyName(name);
                value.WriteTo(writer);
            }
        }
    }
}
