using System.Buffers;
using System.Text;
using System.Text.Json;
using Gateway.Edge.Http;
using Gateway.ServiceDefaults.Buffers;

namespace Gateway.Edge.Caching;

/// <summary>Rebuilds the non-streaming <c>chat.completion</c> a streamed answer amounts to, from its SSE chunks in order
/// (the <c>data:</c> payloads; <c>[DONE]</c> is ignored): per choice (by <c>index</c>) the role, the text deltas
/// (<c>content</c>, <c>refusal</c> and other string fields such as <c>reasoning_content</c>, concatenated), tool calls
/// merged by their <c>index</c> (id, type, name and argument fragments), a legacy <c>function_call</c>, and the
/// <c>finish_reason</c>; at the top the id, created, model, system_fingerprint and service_tier, and the usage object.
/// <para>Only what it can rebuild exactly is cached: a chunk it cannot parse, non-null <c>logprobs</c>, or a delta field
/// that is neither text nor empty makes the answer uncacheable, as does growing past the size cap (checked as it
/// grows, so a huge stream costs bounded memory). One instance per response; not thread-safe.</para></summary>
/// <param name="maxBytes">The entry size cap: past roughly this much text the answer is dropped (<see cref="TooLarge"/>).</param>
internal sealed class CompletionAssembler(int maxBytes)
{
    private readonly List<ChoiceState> _choices = [];
    private string? _id;
    private long? _created;
    private string? _model;
    private string? _systemFingerprint;
    private string? _serviceTier;
    private byte[]? _usage;
    private long _size;

    /// <summary>False once something made the answer uncacheable; the caller may stop feeding chunks.</summary>
    public bool IsCacheable => !Unsupported && !TooLarge;

    /// <summary>The answer grew past the size cap.</summary>
    public bool TooLarge { get; private set; }

    /// <summary>A chunk could not be parsed or carried something this class does not rebuild.</summary>
    public bool Unsupported { get; private set; }

    /// <summary>The model the chunks named (the served model); empty when none did.</summary>
    public string Model => _model ?? "";

    /// <summary>Adds one event's data. Returns <see cref="IsCacheable"/>.</summary>
    public bool Add(ReadOnlySequence<byte> data)
    {
        if (data.IsSingleSegment)
        {
            return Add(data.FirstSpan);
        }

        var length = checked((int)data.Length);
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            data.CopyTo(rented);
            return Add(rented.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Adds one event's data. Returns <see cref="IsCacheable"/>.</summary>
    public bool Add(ReadOnlySpan<byte> data)
    {
        if (!IsCacheable)
        {
            return false;
        }

        if (data.Trim(" \r\n\t"u8).SequenceEqual("[DONE]"u8))
        {
            return true;
        }

        try
        {
            var reader = new Utf8JsonReader(data);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                Unsupported = true;
                return false;
            }

            ReadChunk(ref reader, data);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            Unsupported = true;
        }

        if (_size > maxBytes)
        {
            TooLarge = true;
        }

        return IsCacheable;
    }

    /// <summary>The complete <c>chat.completion</c> JSON, or null when the answer is not cacheable or not complete
    /// (no choice, or a choice without a finish_reason: the stream was cut off).</summary>
    public byte[]? Build()
    {
        if (!IsCacheable || _choices.Count == 0 || _choices.Exists(static choice => choice.FinishReason is null))
        {
            return null;
        }

        _choices.Sort(static (a, b) => a.Index.CompareTo(b.Index));
        using var output = new PooledBufferWriter(checked((int)Math.Min(_size + 512, int.MaxValue)));
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            writer.WriteString("id"u8, _id ?? "");
            writer.WriteString("object"u8, "chat.completion"u8);
            writer.WriteNumber("created"u8, _created ?? 0);
            writer.WriteString("model"u8, _model ?? "");
            writer.WriteStartArray("choices"u8);
            foreach (var choice in _choices)
            {
                choice.WriteTo(writer);
            }

            writer.WriteEndArray();
            if (_usage is not null)
            {
                writer.WritePropertyName("usage"u8);
                writer.WriteRawValue(_usage, skipInputValidation: true);
            }

            if (_systemFingerprint is not null)
            {
                writer.WriteString("system_fingerprint"u8, _systemFingerprint);
            }

            if (_serviceTier is not null)
            {
                writer.WriteString("service_tier"u8, _serviceTier);
            }

            writer.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    private void ReadChunk(ref Utf8JsonReader reader, ReadOnlySpan<byte> data)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("id"u8))
            {
                // Read before assigning: "??=" would skip the read and leave the reader on the value.
                var id = ReadString(ref reader);
                _id ??= id;
            }
            else if (reader.ValueTextEquals("created"u8))
            {
                reader.Read();
                long? created = reader.TokenType == JsonTokenType.Number ? reader.GetInt64() : null;
                _created ??= created;
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                var model = ReadString(ref reader);
                _model ??= model;
            }
            else if (reader.ValueTextEquals("system_fingerprint"u8))
            {
                _systemFingerprint = ReadString(ref reader) ?? _systemFingerprint;
            }
            else if (reader.ValueTextEquals("service_tier"u8))
            {
                _serviceTier = ReadString(ref reader) ?? _serviceTier;
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    var start = (int)reader.TokenStartIndex;
                    reader.Skip();
                    _usage = data[start..(int)reader.BytesConsumed].ToArray();
                    _size += _usage.Length;
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("choices"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    reader.Skip();
                    continue;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadChoice(ref reader);
                }
            }
            else
            {
                // "object", "obfuscation" and provider extras: not part of the rebuilt answer.
                reader.Read();
                reader.Skip();
            }
        }
    }

    private void ReadChoice(ref Utf8JsonReader reader)
    {
        // The index may come after the delta; collect the delta's parts into a detached state first.
        var index = 0;
        var part = new ChoiceState(-1);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("index"u8))
            {
                reader.Read();
                index = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("delta"u8) || reader.ValueTextEquals("message"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadDelta(ref reader, part);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("finish_reason"u8))
            {
                part.FinishReason = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("logprobs"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Null)
                {
                    Unsupported = true;
                    reader.Skip();
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        Choice(index).Merge(part);
    }

    private void ReadDelta(ref Utf8JsonReader reader, ChoiceState part)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("role"u8))
            {
                part.Role = ReadString(ref reader);
            }
            else if (reader.ValueTextEquals("tool_calls"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartArray)
                {
                    while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                    {
                        part.ToolCalls.Add(ReadToolCall(ref reader, isLegacyFunctionCall: false));
                    }
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("function_call"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    part.FunctionCall = ReadToolCall(ref reader, isLegacyFunctionCall: true);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (reader.ValueTextEquals("obfuscation"u8))
            {
                reader.Read();
                reader.Skip();
            }
            else
            {
                var name = reader.GetString()!;
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    var text = reader.GetString()!;
                    _size += text.Length;
                    part.AppendText(name, text);
                }
                else if (reader.TokenType == JsonTokenType.StartArray)
                {
                    // An empty list (e.g. "annotations": []) says nothing; a non-empty one cannot be rebuilt.
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.EndArray)
                    {
                        Unsupported = true;
                        reader.Skip();
                        SkipToEndOfArray(ref reader);
                    }
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    Unsupported = true;
                    reader.Skip();
                }
            }
        }
    }

    /// <summary>One <c>tool_calls</c> element, or the <c>function_call</c> object (name and arguments only).</summary>
    private ToolCallState ReadToolCall(ref Utf8JsonReader reader, bool isLegacyFunctionCall)
    {
        var call = new ToolCallState();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (!isLegacyFunctionCall && reader.ValueTextEquals("index"u8))
            {
                reader.Read();
                call.Index = reader.GetInt32();
            }
            else if (!isLegacyFunctionCall && reader.ValueTextEquals("id"u8))
            {
                call.Id = ReadString(ref reader);
            }
            else if (!isLegacyFunctionCall && reader.ValueTextEquals("type"u8))
            {
                call.Type = ReadString(ref reader);
            }
            else if (!isLegacyFunctionCall && reader.ValueTextEquals("function"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    ReadFunction(ref reader, call);
                }
                else
                {
                    reader.Skip();
                }
            }
            else if (isLegacyFunctionCall && (reader.ValueTextEquals("name"u8) || reader.ValueTextEquals("arguments"u8)))
            {
                ReadFunctionPart(ref reader, call);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        _size += (call.Name?.Length ?? 0) + (call.Arguments?.Length ?? 0) + 64;
        return call;
    }

    private static void ReadFunction(ref Utf8JsonReader reader, ToolCallState call)
    {
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("name"u8) || reader.ValueTextEquals("arguments"u8))
            {
                ReadFunctionPart(ref reader, call);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
    }

    private static void ReadFunctionPart(ref Utf8JsonReader reader, ToolCallState call)
    {
        var isName = reader.ValueTextEquals("name"u8);
        if (ReadString(ref reader) is not { } text)
        {
            return;
        }

        if (isName)
        {
            (call.Name ??= new StringBuilder()).Append(text);
        }
        else
        {
            (call.Arguments ??= new StringBuilder()).Append(text);
        }
    }

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

    private static void SkipToEndOfArray(ref Utf8JsonReader reader)
    {
        while (reader.TokenType != JsonTokenType.EndArray && reader.Read())
        {
            reader.Skip();
        }
    }

    private ChoiceState Choice(int index)
    {
        foreach (var choice in _choices)
        {
            if (choice.Index == index)
            {
                return choice;
            }
        }

        var added = new ChoiceState(index);
        _choices.Add(added);
        return added;
    }

    private sealed class ChoiceState(int index)
    {
        /// <summary>Text fields of the message other than content (refusal, reasoning_content, ...), in first-seen order.</summary>
        private readonly List<(string Name, StringBuilder Text)> _texts = [];

        public int Index { get; } = index;

        public string? Role { get; set; }

        public string? FinishReason { get; set; }

        public List<ToolCallState> ToolCalls { get; } = [];

        public ToolCallState? FunctionCall { get; set; }

        public void AppendText(string name, string text)
        {
            foreach (var (existing, builder) in _texts)
            {
                if (existing == name)
                {
                    builder.Append(text);
                    return;
                }
            }

            _texts.Add((name, new StringBuilder(text)));
        }

        /// <summary>Adds a chunk's part of this choice.</summary>
        public void Merge(ChoiceState part)
        {
            Role ??= part.Role;
            FinishReason = part.FinishReason ?? FinishReason;
            foreach (var (name, text) in part._texts)
            {
                AppendText(name, text.ToString());
            }

            foreach (var fragment in part.ToolCalls)
            {
                var call = ToolCalls.Find(existing => existing.Index == fragment.Index);
                if (call is null)
                {
                    ToolCalls.Add(fragment);
                }
                else
                {
                    call.Merge(fragment);
                }
            }

            if (part.FunctionCall is { } function)
            {
                if (FunctionCall is null)
                {
                    FunctionCall = function;
                }
                else
                {
                    FunctionCall.Merge(function);
                }
            }
        }

        public void WriteTo(Utf8JsonWriter writer)
        {
            writer.WriteStartObject();
            writer.WriteNumber("index"u8, Index);
            writer.WriteStartObject("message"u8);
            writer.WriteString("role"u8, Role ?? "assistant");
            var content = _texts.Find(static text => text.Name == "content").Text;
            if (content is null)
            {
                writer.WriteNull("content"u8);
            }
            else
            {
                writer.WriteString("content"u8, content.ToString());
            }

            foreach (var (name, text) in _texts)
            {
                if (name != "content")
                {
                    writer.WriteString(name, text.ToString());
                }
            }

            if (ToolCalls.Count > 0)
            {
                ToolCalls.Sort(static (a, b) => a.Index.CompareTo(b.Index));
                writer.WriteStartArray("tool_calls"u8);
                foreach (var call in ToolCalls)
                {
                    writer.WriteStartObject();
                    writer.WriteString("id"u8, call.Id ?? "");
                    writer.WriteString("type"u8, call.Type ?? "function");
                    writer.WriteStartObject("function"u8);
                    writer.WriteString("name"u8, call.Name?.ToString() ?? "");
                    writer.WriteString("arguments"u8, call.Arguments?.ToString() ?? "");
                    writer.WriteEndObject();
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
            }

            if (FunctionCall is { } function)
            {
                writer.WriteStartObject("function_call"u8);
                writer.WriteString("name"u8, function.Name?.ToString() ?? "");
                writer.WriteString("arguments"u8, function.Arguments?.ToString() ?? "");
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
            writer.WriteNull("logprobs"u8);
            writer.WriteString("finish_reason"u8, FinishReason);
            writer.WriteEndObject();
        }
    }

    private sealed class ToolCallState
    {
        public int Index { get; set; }

        public string? Id { get; set; }

        public string? Type { get; set; }

        public StringBuilder? Name { get; set; }

        public StringBuilder? Arguments { get; set; }

        /// <summary>A later fragment of the same call: ids and types are set once, name and arguments continue.</summary>
        public void Merge(ToolCallState fragment)
        {
            Id ??= fragment.Id;
            Type ??= fragment.Type;
            if (fragment.Name is not null)
            {
                (Name ??= new StringBuilder()).Append(fragment.Name);
            }

            if (fragment.Arguments is not null)
            {
                (Arguments ??= new StringBuilder()).Append(fragment.Arguments);
            }
        }
    }
}
