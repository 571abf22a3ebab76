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
    public static ChunkInfo Inspect(ReadOnlySequence<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        return Inspect(ref reader);
    }

    public static ChunkInfo Inspect(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        return Inspect(ref reader);
    }

    private static ChunkInfo Inspect(ref Utf8JsonReader reader)
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
                else if (reader.ValueTextEquals("choices"u8))
                {
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartArray)
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

    /// <summary>OpenAI's usage: prompt_tokens (cached included), completion_tokens (reasoning included) and details.</summary>
    private static TokenUsage ReadUsage(ref Utf8JsonReader reader)
    {
        long prompt = 0, completion = 0, cached = 0, reasoning = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8))
            {
                prompt = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8))
            {
                completion = ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8))
            {
                cached = ReadDetail(ref reader, "cached_tokens"u8);
            }
            else if (reader.ValueTextEquals("completion_tokens_details"u8))
            {
                reasoning = ReadDetail(ref reader, "reasoning_tokens"u8);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return TokenUsage.FromOpenAi(prompt, completion, cached, reasoning);
    }

    private static long ReadDetail(ref Utf8JsonReader reader, ReadOnlySpan<byte> name)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return 0;
        }

        long value = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals(name))
            {
                value = ReadCount(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return value;
    }

    private static long ReadCount(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? value : 0;
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
