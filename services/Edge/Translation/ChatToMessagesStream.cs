using System.Buffers;
using System.Text.Json;
using Gateway.Edge.Pricing;
using Gateway.Edge.Proxy;

namespace Gateway.Edge.Translation;

/// <summary>Turns OpenAI <c>chat.completion.chunk</c> events, one at a time, into Anthropic's stream events:
/// <c>message_start</c> before the first content, a text block for content deltas and a <c>tool_use</c> block per tool
/// call (its argument fragments as <c>input_json_delta</c>), each closed by <c>content_block_stop</c> when the next
/// begins; at <c>[DONE]</c> the last block is closed and <c>message_delta</c> (stop reason and the whole usage, which
/// OpenAI reports only at the end) and <c>message_stop</c> follow. An error chunk becomes an <c>error</c> event.
/// Reasoning deltas some servers add (<c>reasoning_content</c>) are left out. One instance per stream; not
/// thread-safe.</summary>
internal sealed class ChatToMessagesStream : ISseEventTranslator
{
    private static ReadOnlySpan<byte> DataPrefix => "\ndata: "u8;
    private static ReadOnlySpan<byte> EventEnd => "\n\n"u8;
    private static ReadOnlySpan<byte> DoneData => "[DONE]"u8;

    private readonly Utf8JsonWriter _json = new(Stream.Null);
    private string _id = "";
    private string _model = "";
    private bool _started;
    private BlockKind _open;
    private int _blocks;
    private int _toolCallIndex = -1;
    private string? _toolCallId;
    private string? _stopReason;

    private enum BlockKind
    {
        None,
        Text,
        Tool,
    }

    /// <summary>The usage the provider reported (its last usage object), null until it did.</summary>
    public TokenUsage? Usage { get; private set; }

    /// <summary>True once <c>message_stop</c> or an <c>error</c> event was written: nothing more follows.</summary>
    public bool Finished { get; private set; }

    /// <summary>Translates one event's <c>data</c> payload, appending Anthropic SSE events to <paramref name="output"/>.
    /// Unparsable chunks produce nothing.</summary>
    public void Translate(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        if (Finished)
        {
            return;
        }

        if (data.SequenceEqual(DoneData))
        {
            Finish(output);
            return;
        }

        if (ChunkInspector.Inspect(data).Usage is { } usage)
        {
            Usage = usage;
        }

        try
        {
            TranslateChunk(data, output);
        }
        catch (JsonException)
        {
            // Not a chunk; nothing to tell the client.
        }
        catch (InvalidOperationException)
        {
            // A string that is not valid UTF-8.
        }
    }

    /// <summary>Ends a stream the provider closed without <c>[DONE]</c>: complete when it had said why it finished,
    /// otherwise an error event, so the client does not take a cut answer for a whole one.</summary>
    public void WriteIncomplete(IBufferWriter<byte> output)
    {
        if (Finished)
        {
            return;
        }

        if (_stopReason is not null)
        {
            Finish(output);
            return;
        }

        WriteError(output, "api_error", "The provider's stream ended before the message was complete.");
    }

    public void Dispose() => _json.Dispose();

    private void TranslateChunk(ReadOnlySpan<byte> data, IBufferWriter<byte> output)
    {
        var reader = new Utf8JsonReader(data);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8) && _id.Length == 0)
            {
                reader.Read();
                _id = reader.TokenType == JsonTokenType.String ? reader.GetString()! : "";
            }
            else if (reader.ValueTextEquals("model"u8) && _model.Length == 0)
            {
                reader.Read();
                _model = reader.TokenType == JsonTokenType.String ? reader.GetString()! : "";
            }
            else if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                Start(output);
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    // One choice: an Anthropic message has one answer (n > 1 cannot be asked for on /v1/messages).
                    while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                    {
                        ReadChoice(ref reader, output);
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("error"u8))
            {
                reader.Read();
                WriteError(output, "api_error", ErrorMessage(ref reader));
                return;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private void ReadChoice(ref Utf8JsonReader reader, IBufferWriter<byte> output)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("delta"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadDelta(ref reader, output);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("finish_reason"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    _stopReason = ChatFinishReason.ToStopReason(reader.GetString());
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private void ReadDelta(ref Utf8JsonReader reader, IBufferWriter<byte> output)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length > 0)
                {
                    WriteText(ref reader, output);
                }
            }
            else if (reader.ValueTextEquals("tool_calls"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadToolCall(ref reader, output);
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private void WriteText(ref Utf8JsonReader reader, IBufferWriter<byte> output)
    {
        if (_open != BlockKind.Text)
        {
            StartBlock(output, BlockKind.Text, null, null);
        }

        var json = BeginEvent(output, "content_block_delta"u8);
        json.WriteString("type"u8, "content_block_delta"u8);
        json.WriteNumber("index"u8, _blocks - 1);
        json.WriteStartObject("delta"u8);
        json.WriteString("type"u8, "text_delta"u8);
        if (reader.ValueIsEscaped)
        {
            json.WriteString("text"u8, reader.GetString());
        }
        else
        {
            json.WriteString("text"u8, reader.ValueSpan);
        }

        json.WriteEndObject();
        EndEvent(output);
    }

    /// <summary>One entry of <c>delta.tool_calls</c>: a new call (a new id or index) opens a tool_use block;
    /// argument fragments go to the open one.</summary>
    private void ReadToolCall(ref Utf8JsonReader reader, IBufferWriter<byte> output)
    {
        var index = -1;
        string? id = null, name = null, arguments = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("index"u8))
            {
                reader.Read();
                index = reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var i) ? i : -1;
            }
            else if (reader.ValueTextEquals("id"u8))
            {
                reader.Read();
                id = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("function"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isName = reader.ValueTextEquals("name"u8);
                    var isArguments = reader.ValueTextEquals("arguments"u8);
                    reader.Read();
                    if (isName && reader.TokenType == JsonTokenType.String)
                    {
                        name = reader.GetString();
                    }
                    else if (isArguments && reader.TokenType == JsonTokenType.String)
                    {
                        arguments = reader.GetString();
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // Some servers repeat the id on every fragment of a call: only a different id or index starts a new one.
        if (_open != BlockKind.Tool || (index >= 0 && index != _toolCallIndex) || (id is not null && id != _toolCallId))
        {
            _toolCallIndex = index;
            _toolCallId = id;
            StartBlock(output, BlockKind.Tool, id ?? "", name ?? "");
        }

        if (string.IsNullOrEmpty(arguments))
        {
            return;
        }

        var json = BeginEvent(output, "content_block_delta"u8);
        json.WriteString("type"u8, "content_block_delta"u8);
        json.WriteNumber("index"u8, _blocks - 1);
        json.WriteStartObject("delta"u8);
        json.WriteString("type"u8, "input_json_delta"u8);
        json.WriteString("partial_json"u8, arguments);
        json.WriteEndObject();
        EndEvent(output);
    }

    private void Start(IBufferWriter<byte> output)
    {
        if (_started)
        {
            return;
        }

        _started = true;
        var json = BeginEvent(output, "message_start"u8);
        json.WriteString("type"u8, "message_start"u8);
        json.WriteStartObject("message"u8);
        json.WriteString("id"u8, _id);
        json.WriteString("type"u8, "message"u8);
        json.WriteString("role"u8, "assistant"u8);
        json.WriteString("model"u8, _model);
        json.WriteStartArray("content"u8);
        json.WriteEndArray();
        json.WriteNull("stop_reason"u8);
        json.WriteNull("stop_sequence"u8);
        // OpenAI reports usage only at the end: message_delta carries all of it.
        ChatToMessagesResponse.WriteUsage(json, Usage ?? default);
        json.WriteEndObject();
        EndEvent(output);
    }

    private void StartBlock(IBufferWriter<byte> output, BlockKind kind, string? toolId, string? toolName)
    {
        StopBlock(output);
        _open = kind;
        var json = BeginEvent(output, "content_block_start"u8);
        json.WriteString("type"u8, "content_block_start"u8);
        json.WriteNumber("index"u8, _blocks++);
        json.WriteStartObject("content_block"u8);
        if (kind == BlockKind.Text)
        {
            json.WriteString("type"u8, "text"u8);
            json.WriteString("text"u8, ""u8);
        }
        else
        {
            json.WriteString("type"u8, "tool_use"u8);
            json.WriteString("id"u8, toolId);
            json.WriteString("name"u8, toolName);
            json.WriteStartObject("input"u8);
            json.WriteEndObject();
        }

        json.WriteEndObject();
        EndEvent(output);
    }

    private void StopBlock(IBufferWriter<byte> output)
    {
        if (_open == BlockKind.None)
        {
            return;
        }

        _open = BlockKind.None;
        var json = BeginEvent(output, "content_block_stop"u8);
        json.WriteString("type"u8, "content_block_stop"u8);
        json.WriteNumber("index"u8, _blocks - 1);
        EndEvent(output);
    }

    private void Finish(IBufferWriter<byte> output)
    {
        Start(output);
        StopBlock(output);
        var json = BeginEvent(output, "message_delta"u8);
        json.WriteString("type"u8, "message_delta"u8);
        json.WriteStartObject("delta"u8);
        json.WriteString("stop_reason"u8, _stopReason ?? "end_turn");
        json.WriteNull("stop_sequence"u8);
        json.WriteEndObject();
        ChatToMessagesResponse.WriteUsage(json, Usage ?? default);
        EndEvent(output);

        json = BeginEvent(output, "message_stop"u8);
        json.WriteString("type"u8, "message_stop"u8);
        EndEvent(output);
        Finished = true;
    }

    private void WriteError(IBufferWriter<byte> output, string type, string message)
    {
        WriteEventName(output, "error"u8);
        AnthropicErrorBody.Write(output, type, message);
        output.Write(EventEnd);
        Finished = true;
    }

    private static string ErrorMessage(ref Utf8JsonReader reader)
    {
        const string Fallback = "The provider failed while streaming.";
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.GetString() ?? Fallback;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return Fallback;
        }

        var message = Fallback;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isMessage = reader.ValueTextEquals("message"u8);
            reader.Read();
            if (isMessage && reader.TokenType == JsonTokenType.String)
            {
                message = reader.GetString()!;
            }
            else
            {
                reader.Skip();
            }
        }

        return message;
    }

    private Utf8JsonWriter BeginEvent(IBufferWriter<byte> output, ReadOnlySpan<byte> name)
    {
        WriteEventName(output, name);
        _json.Reset(output);
        _json.WriteStartObject();
        return _json;
    }

    private void EndEvent(IBufferWriter<byte> output)
    {
        _json.WriteEndObject();
        _json.Flush();
        output.Write(EventEnd);
    }

    private static void WriteEventName(IBufferWriter<byte> output, ReadOnlySpan<byte> name)
    {
        output.Write("event: "u8);
        output.Write(name);
        output.Write(DataPrefix);
    }
}
