using System.Buffers;
using System.Text.Json;
using Gateway.Edge.Pricing;

namespace Gateway.Edge.Proxy;

/// <summary>What a chat completion JSON (a whole response or one stream chunk) says about billing.</summary>
/// <param name="Usage">The usage object, when present and not null.</param>
/// <param name="IsUsageOnly">A stream chunk that carries only usage (<c>"choices":[]</c>): the one the gateway asks
/// for on the client's behalf and strips when the client did not ask.</param>
internal readonly record struct ChunkInfo(TokenUsage? Usage, bool IsUsageOnly);

/// <summary>Reads the top-level <c>usage</c> and <c>choices</c> of OpenAI-format JSON with <see cref="Utf8JsonReader"/>,
/// skipping everything else. Anything unparsable is reported as carrying nothing, so it is forwarded untouched.</summary>
internal static class ChunkInspector
{
    /// <param name="capture">When given, also collects the served model and the answer text (see <see cref="AnswerCapture"/>).</param>
    public static ChunkInfo Inspect(ReadOnlySequence<byte> json, AnswerCapture? capture = null)
    {
        var reader = new Utf8JsonReader(json);
        return Inspect(ref reader, capture);
    }

    /// <param name="capture">When given, also collects the served model and the answer text (see <see cref="AnswerCapture"/>).</param>
    public static ChunkInfo Inspect(ReadOnlySpan<byte> json, AnswerCapture? capture = null)
    {
        var reader = new Utf8JsonReader(json);
        return Inspect(ref reader, capture);
    }

    private static ChunkInfo Inspect(ref Utf8JsonReader reader, AnswerCapture? capture)
    {
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return default;
            }

            TokenUsage? usage = null;
            var choicesEmpty = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    usage = reader.TokenType == JsonTokenType.StartObject ? ReadUsage(ref reader) : SkipValue(ref reader);
                }
                else if (capture is not null && reader.ValueTextEquals("model"u8))
                {
                    reader.Read();
                    ReadModel(ref reader, capture);
                }
                else if (capture is not null && reader.ValueTextEquals("message"u8))
                {
                    // Anthropic's message_start nests the message, model included; OpenAI bodies have no top-level "message".
                    reader.Read();
                    ReadNestedModel(ref reader, capture);
                }
                else if (capture is not null && (reader.ValueTextEquals("delta"u8) || reader.ValueTextEquals("content"u8)))
                {
                    // Anthropic-shaped bodies (the /v1/messages translation): a content_block_delta's delta.text, a
                    // message's content[].text. OpenAI bodies have neither at the top level.
                    reader.Read();
                    ReadAnthropicText(ref reader, capture);
                }
                else if (reader.ValueTextEquals("choices"u8))
                {
                    reader.Read();
                    if (capture is not null && reader.TokenType == JsonTokenType.StartArray)
                    {
                        choicesEmpty = ReadChoices(ref reader, capture);
                    }
                    else if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        reader.Read();
                        choicesEmpty = reader.TokenType == JsonTokenType.EndArray;
                        if (!choicesEmpty)
                        {
                            SkipRestOfArray(ref reader);
                        }
                    }
                    else
                    {
                        reader.Skip();
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return new ChunkInfo(usage, usage is not null && choicesEmpty);
        }
        catch (JsonException)
        {
            return default;
        }
    }

    private static void ReadModel(ref Utf8JsonReader reader, AnswerCapture capture)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            if (capture.WantsModel && TryGetString(ref reader) is { } model)
            {
                capture.SetServedModel(model);
            }
        }
        else
        {
            reader.Skip();
        }
    }

    private static void ReadNestedModel(ref Utf8JsonReader reader, AnswerCapture capture)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isModel = reader.ValueTextEquals("model"u8);
            reader.Read();
            if (isModel)
            {
                ReadModel(ref reader, capture);
            }
            else
            {
                reader.Skip();
            }
        }
    }

    /// <summary>Collects each choice's text (<c>delta.content</c> of a chunk, <c>message.content</c> of a completion,
    /// <c>text</c> of a legacy completion); returns whether the array was empty.</summary>
    private static bool ReadChoices(ref Utf8JsonReader reader, AnswerCapture capture)
    {
        var empty = true;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            empty = false;
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("text"u8))
                {
                    reader.Read();
                    AppendText(ref reader, capture);
                }
                else if (reader.ValueTextEquals("delta"u8) || reader.ValueTextEquals("message"u8))
                {
                    reader.Read();
                    ReadContent(ref reader, capture);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
        }

        return empty;
    }

    /// <summary>The <c>text</c> of an object, or of each object in an array.</summary>
    private static void ReadAnthropicText(ref Utf8JsonReader reader, AnswerCapture capture)
    {
        if (reader.TokenType == JsonTokenType.StartArray)
        {
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                ReadAnthropicText(ref reader, capture);
            }

            return;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isText = reader.ValueTextEquals("text"u8);
            reader.Read();
            if (isText && reader.TokenType == JsonTokenType.String)
            {
                AppendText(ref reader, capture);
            }
            else
            {
                reader.Skip();
            }
        }
    }

    private static void ReadContent(ref Utf8JsonReader reader, AnswerCapture capture)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isContent = reader.ValueTextEquals("content"u8);
            reader.Read();
            if (isContent && reader.TokenType == JsonTokenType.String)
            {
                AppendText(ref reader, capture);
            }
            else
            {
                reader.Skip();
            }
        }
    }

    /// <summary>OpenAI's usage: prompt_tokens (cached included), completion_tokens (reasoning included) and details.
    /// Null when it has neither count (an empty object, or another shape such as Anthropic's in a translated body):
    /// that is no usage report, and the gateway estimates instead of billing zero.</summary>
    private static TokenUsage? ReadUsage(ref Utf8JsonReader reader)
    {
        long prompt = 0, completion = 0, cached = 0, reasoning = 0;
        var counted = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                prompt = UsageCountReader.ReadCount(ref reader);
                counted = true;
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                completion = UsageCountReader.ReadCount(ref reader);
                counted = true;
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8))
            {
                cached = UsageCountReader.ReadDetail(ref reader, "cached_tokens"u8);
            }
            else if (reader.ValueTextEquals("completion_tokens_details"u8))
            {
                reasoning = UsageCountReader.ReadDetail(ref reader, "reasoning_tokens"u8);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return counted ? TokenUsage.FromOpenAi(prompt, completion, cached, reasoning) : null;
    }

    /// <summary>Provider text that is not valid UTF-8, or an escaped lone surrogate, cannot be decoded: it is relayed
    /// untouched but left out of the capture, instead of failing the relay (and the usage read from the same chunk).</summary>
    private static void AppendText(ref Utf8JsonReader reader, AnswerCapture capture)
    {
        try
        {
            capture.AppendString(ref reader);
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>The string value, or null when it cannot be decoded (see <see cref="AppendText"/>).</summary>
    private static string? TryGetString(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static TokenUsage? SkipValue(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return null;
    }

    private static void SkipRestOfArray(ref Utf8JsonReader reader)
    {
        reader.Skip();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            reader.Skip();
        }
    }
}
