using System.Buffers;
using System.Text;
using System.Text.Json;
using Gateway.Edge.ChatCompletions;

namespace Gateway.Edge.Usage;

/// <summary>Which part of a request body is its input text.</summary>
internal enum RequestTextKind
{
    /// <summary><c>messages[].content</c>: a string, or the <c>text</c> of its parts.</summary>
    Chat,

    /// <summary><c>prompt</c> (legacy completions): a string, strings, or token ids.</summary>
    Prompt,

    /// <summary><c>input</c> (embeddings): a string, strings, or token ids.</summary>
    Input,
}

/// <summary>Reads a request's input text for <see cref="TokenEstimator"/>. Only called when a successful answer
/// carried no usage, so requests the provider bills cost nothing here. Parts that are not text (images, audio) are
/// not counted: the estimate is a lower bound for them.</summary>
internal static class RequestText
{
    /// <summary>Captures the input into the record when the answer succeeded without usage; call once the relay is
    /// over (also when it failed), while the body is still alive. The pipeline counts it after the response.</summary>
    public static void CaptureForEstimate(RequestRecord record, ReadOnlySpan<byte> body, RequestTextKind kind)
    {
        if (record.Usage is null && record.Attempt is { StatusCode: >= 200 and < 300 })
        {
            record.EstimationInput = Extract(body, kind);
        }
    }

    public static EstimationInput Extract(ReadOnlySpan<byte> body, RequestTextKind kind)
    {
        var text = new StringBuilder();
        long tokenIds = 0;
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return new EstimationInput("", 0);
            }

            var property = kind switch
            {
                RequestTextKind.Chat => "messages"u8,
                RequestTextKind.Prompt => "prompt"u8,
                _ => "input"u8,
            };
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var wanted = reader.ValueTextEquals(property);
                reader.Read();
                if (!wanted)
                {
                    reader.Skip();
                }
                else if (kind == RequestTextKind.Chat)
                {
                    ReadMessages(ref reader, text);
                }
                else
                {
                    tokenIds += ReadPrompt(ref reader, text);
                }
            }
        }
        catch (JsonException)
        {
            // The scanner accepted the body; whatever was read before a surprise still counts.
        }

        return new EstimationInput(text.ToString(), tokenIds);
    }

    private static void ReadMessages(ref Utf8JsonReader reader, StringBuilder text)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isContent = reader.ValueTextEquals("content"u8);
                reader.Read();
                if (!isContent)
                {
                    reader.Skip();
                }
                else if (reader.TokenType == JsonTokenType.String)
                {
                    AppendLine(ref reader, text);
                }
                else if (reader.TokenType == JsonTokenType.StartArray)
                {
                    ReadParts(ref reader, text);
                }
                else
                {
                    reader.Skip();
                }
            }
        }
    }

    /// <summary>Content parts: the <c>text</c> of each (type <c>text</c>); other parts carry no text property.</summary>
    private static void ReadParts(ref Utf8JsonReader reader, StringBuilder text)
    {
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                reader.Skip();
                continue;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isText = reader.ValueTextEquals("text"u8);
                reader.Read();
                if (isText && reader.TokenType == JsonTokenType.String)
                {
                    AppendLine(ref reader, text);
                }
                else
                {
                    reader.Skip();
                }
            }
        }
    }

    /// <summary>A string, an array of strings, an array of token ids, or an array of token-id arrays; returns the ids.</summary>
    private static long ReadPrompt(ref Utf8JsonReader reader, StringBuilder text)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                AppendLine(ref reader, text);
                return 0;
            case JsonTokenType.Number:
                return 1;
            case JsonTokenType.StartArray:
                long ids = 0;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    ids += ReadPrompt(ref reader, text);
                }

                return ids;
            default:
                reader.Skip();
                return 0;
        }
    }

    private static void AppendLine(ref Utf8JsonReader reader, StringBuilder text)
    {
        var length = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        var rented = ArrayPool<char>.Shared.Rent(Math.Max(length, 1));
        try
        {
            if (text.Length > 0)
            {
                text.Append('\n');
            }

            text.Append(rented.AsSpan(0, reader.CopyString(rented)));
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }
}
