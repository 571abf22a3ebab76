using System.Buffers;
using System.Text.Json;
using Gateway.Edge.Pricing;

namespace Gateway.Edge.Translation;

/// <summary>Turns Anthropic stream events, one at a time, into OpenAI <c>chat.completion.chunk</c> SSE events:
/// <c>message_start</c> gives the role chunk, text and tool input deltas give content and tool_call chunks (index, id
/// and name first, then argument fragments), <c>message_delta</c> the finish chunk, <c>message_stop</c> the usage
/// chunk (only when the client asked for it) and <c>[DONE]</c>; an <c>error</c> event becomes an error event that
/// ends the stream. Text and argument fragments are copied as the JSON string literals Anthropic sent, without
/// decoding them. One instance per stream; not thread-safe.</summary>
internal sealed class AnthropicStreamTranslator(bool includeUsage) : ISseEventTranslator
{
    private static ReadOnlySpan<byte> DataPrefix => "data: "u8;
    private static ReadOnlySpan<byte> EventEnd => "\n\n"u8;
    private static ReadOnlySpan<byte> Done => "data: [DONE]\n\n"u8;

    private readonly Utf8JsonWriter _json = new(Stream.Null);
    private string _id = "";
    private string _model = "";
    private long _created;
    private int _toolBlock = -1;
    private int _toolCalls;
    private bool _finishSent;

    /// <summary>Everything Anthropic reported so far: input and cache counts from <c>message_start</c>, the final
    /// output count from <c>message_delta</c>.</summary>
    public TokenUsage? Usage { get; private set; }

    /// <summary>True once <c>message_stop</c> or an <c>error</c> event was translated: nothing more follows.</summary>
    public bool Finished { get; private set; }

    /// <summary>Translates one event's <c>data</c> payload, appending OpenAI SSE events to <paramref name="output"/>.
    /// Unparsable or unknown events produce nothing.</summary>
    public void Translate(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (Finished)
        {
            return;
        }

        StreamEvent parsed;
        try
        {
            parsed = Parse(data);
        }
        catch (JsonException)
        {
            return;
        }

        switch (parsed.Type)
        {
            case EventType.MessageStart:
                _id = parsed.Id ?? "";
                _model = parsed.Model ?? "";
                _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
                WriteRoleChunk(output);
                break;
            case EventType.ContentBlockStart when parsed.BlockIsToolUse:
                _toolBlock = parsed.Index;
                WriteToolCallStart(output, _toolCalls++, parsed.BlockId ?? "", parsed.BlockName ?? "");
                break;
            case EventType.ContentBlockDelta when parsed.Text.Length > 2:
                WriteContentChunk(output, data.Slice(parsed.Text.Start, parsed.Text.Length));
                break;
            case EventType.ContentBlockDelta when parsed.PartialJson.Length > 2 && parsed.Index == _toolBlock:
                WriteArgumentsChunk(output, _toolCalls - 1, data.Slice(parsed.PartialJson.Start, parsed.PartialJson.Length));
                break;
            case EventType.MessageDelta:
                WriteFinishChunk(output, AnthropicStopReason.ToFinishReason(parsed.StopReason));
                break;
            case EventType.MessageStop:
                if (!_finishSent)
                {
                    WriteFinishChunk(output, "stop");
                }

                if (includeUsage)
                {
                    WriteUsageChunk(output);
                }

                output.Write(Done);
                Finished = true;
                break;
            case EventType.Error:
                WriteErrorEvent(output, parsed.ErrorType ?? "api_error", parsed.ErrorMessage ?? "");
                Finished = true;
                break;
            default:
                // ping, content_block_stop, thinking and signature deltas: nothing to tell an OpenAI client.
                break;
        }
    }

    /// <summary>Ends a stream the provider closed before <c>message_stop</c>, so the client does not take a cut
    /// answer for a whole one.</summary>
    public void WriteIncomplete(IBufferWriter<byte> output)
    {
        if (Finished)
        {
            return;
        }

        WriteErrorEvent(output, "upstream_error", "The provider's stream ended before the message was complete.");
        Finished = true;
    }

    public void Dispose() => _json.Dispose();

    private StreamEvent Parse(ReadOnlySpan<byte> data)
    {
        var reader = new Utf8JsonReader(data);
        var parsed = new StreamEvent();
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return parsed;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                parsed.Type = EventTypeOf(ref reader);
            }
            else if (reader.ValueTextEquals("index"u8))
            {
                reader.Read();
                parsed.Index = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var index) ? index : -1;
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                ParseMessage(ref reader, ref parsed);
            }
            else if (reader.ValueTextEquals("content_block"u8))
            {
                reader.Read();
                ParseContentBlock(ref reader, ref parsed);
            }
            else if (reader.ValueTextEquals("delta"u8))
            {
                reader.Read();
                ParseDelta(ref reader, ref parsed);
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                Usage = AnthropicUsage.Read(ref reader, Usage ?? default);
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                ParseError(ref reader, ref parsed);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return parsed;
    }

    private void ParseMessage(ref Utf8JsonReader reader, ref StreamEvent parsed)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                parsed.Id = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                parsed.Model = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                Usage = AnthropicUsage.Read(ref reader, Usage ?? default);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void ParseContentBlock(ref Utf8JsonReader reader, ref StreamEvent parsed)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                parsed.BlockIsToolUse = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("tool_use"u8);
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                parsed.BlockId = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("name"u8))
            {
                parsed.BlockName = ReadString(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void ParseDelta(ref Utf8JsonReader reader, ref StreamEvent parsed)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("text"u8))
            {
                reader.Read();
                parsed.Text = RawString(ref reader);
            }
            else if (reader.ValueTextEquals("partial_json"u8))
            {
                reader.Read();
                parsed.PartialJson = RawString(ref reader);
            }
            else if (reader.ValueTextEquals("stop_reason"u8))
            {
                parsed.StopReason = ReadString(ref reader);
            }
            else
            {
                // type (the text/partial_json fields say enough), stop_sequence, thinking, signature.
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void ParseError(ref Utf8JsonReader reader, ref StreamEvent parsed)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                parsed.ErrorType = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("message"u8))
            {
                parsed.ErrorMessage = ReadString(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static EventType EventTypeOf(ref Utf8JsonReader reader) => reader.TokenType != JsonTokenType.String ? EventType.Other
        : reader.ValueTextEquals("content_block_delta"u8) ? EventType.ContentBlockDelta
        : reader.ValueTextEquals("content_block_start"u8) ? EventType.ContentBlockStart
        : reader.ValueTextEquals("message_start"u8) ? EventType.MessageStart
        : reader.ValueTextEquals("message_delta"u8) ? EventType.MessageDelta
        : reader.ValueTextEquals("message_stop"u8) ? EventType.MessageStop
        : reader.ValueTextEquals("error"u8) ? EventType.Error
        : EventType.Other;

    private static string? ReadString(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString();
        }

        reader.Skip();
        return null;
    }

    /// <summary>Where the string literal the reader is on lies in the event, quotes included (the input is one
    /// span, so the value is never split across segments).</summary>
    private static RawRange RawString(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String ? new RawRange((int)reader.TokenStartIndex, reader.ValueSpan.Length + 2) : default;

    private void WriteRoleChunk(IBufferWriter<byte> output)
    {
        var json = BeginChunk(output);
        json.WriteString("role", "assistant");
        json.WriteString("content", "");
        EndChunk(output, json, null);
    }

    private void WriteContentChunk(IBufferWriter<byte> output, ReadOnlySpan<byte> rawText)
    {
        var json = BeginChunk(output);
        json.WritePropertyName("content");
        json.WriteRawValue(rawText, skipInputValidation: true);
        EndChunk(output, json, null);
    }

    private void WriteToolCallStart(IBufferWriter<byte> output, int toolIndex, string id, string name)
    {
        var json = BeginChunk(output);
        json.WriteStartArray("tool_calls");
        json.WriteStartObject();
        json.WriteNumber("index", toolIndex);
        json.WriteString("id", id);
        json.WriteString("type", "function");
        json.WriteStartObject("function");
        json.WriteString("name", name);
        json.WriteString("arguments", "");
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
        EndChunk(output, json, null);
    }

    private void WriteArgumentsChunk(IBufferWriter<byte> output, int toolIndex, ReadOnlySpan<byte> rawArguments)
    {
        var json = BeginChunk(output);
        json.WriteStartArray("tool_calls");
        json.WriteStartObject();
        json.WriteNumber("index", toolIndex);
        json.WriteStartObject("function");
        json.WritePropertyName("arguments");
        json.WriteRawValue(rawArguments, skipInputValidation: true);
        json.WriteEndObject();
        json.WriteEndObject();
        json.WriteEndArray();
        EndChunk(output, json, null);
    }

    private void WriteFinishChunk(IBufferWriter<byte> output, string finishReason)
    {
        EndChunk(output, BeginChunk(output), finishReason);
        _finishSent = true;
    }

    private void WriteUsageChunk(IBufferWriter<byte> output)
    {
        var json = StartEvent(output);
        WriteChunkHeader(json);
        json.WriteStartArray("choices");
        json.WriteEndArray();
        AnthropicUsage.WriteOpenAi(json, Usage ?? default);
        json.WriteEndObject();
        EndEvent(output, json);
    }

    private static void WriteErrorEvent(IBufferWriter<byte> output, string type, string message)
    {
        output.Write(DataPrefix);
        AnthropicResponseTranslator.WriteError(output, type, message);
        output.Write(EventEnd);
    }

    /// <summary>Opens an event and a chunk up to the inside of <c>choices[0].delta</c>.</summary>
    private Utf8JsonWriter BeginChunk(IBufferWriter<byte> output)
    {
        var json = StartEvent(output);
        WriteChunkHeader(json);
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", 0);
        json.WriteStartObject("delta");
        return json;
    }

    private static void EndChunk(IBufferWriter<byte> output, Utf8JsonWriter json, string? finishReason)
    {
        json.WriteEndObject();
        json.WriteNull("logprobs");
        if (finishReason is null)
        {
            json.WriteNull("finish_reason");
        }
        else
        {
            json.WriteString("finish_reason", finishReason);
        }

        json.WriteEndObject();
        json.WriteEndArray();
        json.WriteEndObject();
        EndEvent(output, json);
    }

    private void WriteChunkHeader(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("id", _id);
        json.WriteString("object", "chat.completion.chunk");
        json.WriteNumber("created", _created);
        json.WriteString("model", _model);
    }

    private Utf8JsonWriter StartEvent(IBufferWriter<byte> output)
    {
        output.Write(DataPrefix);
        _json.Reset(output);
        return _json;
    }

    private static void EndEvent(IBufferWriter<byte> output, Utf8JsonWriter json)
    {
        json.Flush();
        output.Write(EventEnd);
    }

    private enum EventType
    {
        Other,
        MessageStart,
        ContentBlockStart,
        ContentBlockDelta,
        MessageDelta,
        MessageStop,
        Error,
    }

    private readonly record struct RawRange(int Start, int Length);

    private struct StreamEvent
    {
        public EventType Type;
        public int Index;
        public string? Id;
        public string? Model;
        public bool BlockIsToolUse;
        public string? BlockId;
        public string? BlockName;
        public RawRange Text;
        public RawRange PartialJson;
        public string? StopReason;
        public string? ErrorType;
        public string? ErrorMessage;
    }
}
