using System.Buffers.Binary;
using System.Text.Json;
using Gateway.Edge.Http;
using Gateway.Edge.Pricing;
using Gateway.ServiceDefaults.Buffers;

namespace Gateway.Edge.Caching;

/// <summary>One cached answer as stored in the Cache service: a complete non-streaming <c>chat.completion</c> JSON,
/// behind a small header saying what produced it. Streamed answers are assembled into this form
/// (<see cref="CompletionAssembler"/>) and replayed from it (<see cref="SseReplay"/>), so either kind of request can hit
/// an entry stored by the other.
/// <para>Layout: one byte <see cref="FormatVersion"/>, the header length as a 4-byte little-endian integer, the header
/// (UTF-8 JSON: <c>provider</c>, <c>model</c>, <c>stored_at</c> in Unix milliseconds, <c>usage</c> counts, and since
/// the hot tier <c>expires_at</c> in Unix milliseconds, which older readers skip), then the
/// completion JSON to the end. The completion comes last and is not re-encoded, so a hit serves a slice of what the
/// Cache service returned without parsing it.</para></summary>
/// <param name="ServedModel">The model the provider said answered (what the saved cost is priced by when the requested
/// name has no price).</param>
/// <param name="Usage">The provider's token counts for the answer: a hit bills none of them and reports their price as
/// the cost it saved.</param>
internal sealed record StoredAnswer(string Provider, string ServedModel, TokenUsage Usage, DateTimeOffset StoredAt, ReadOnlyMemory<byte> Completion)
{
    public const byte FormatVersion = 1;
    private const int PrefixLength = 1 + sizeof(int);

    /// <summary>The answer to store for a successful response, or null when <paramref name="completion"/> is not a
    /// complete chat completion (not an object, no choices, a choice without a finish_reason): only whole answers are
    /// cached. <paramref name="completion"/> is a non-streaming body, or <see cref="CompletionAssembler.Build"/>'s.</summary>
    public static StoredAnswer? FromCompletion(string provider, string servedModel, TokenUsage usage, byte[] completion, DateTimeOffset now) =>
        IsComplete(completion) ? new StoredAnswer(provider, servedModel, usage, now, completion) : null;

    /// <summary>When the entry's max-age runs out (stored_at + max-age), which bounds how long an Edge's hot tier may
    /// hold it; null for entries written before it was recorded.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>The bytes to store.</summary>
    public byte[] Encode()
    {
        using var header = new PooledBufferWriter(256);
        using (var writer = new Utf8JsonWriter(header))
        {
            writer.WriteStartObject();
            writer.WriteString("provider"u8, Provider);
            writer.WriteString("model"u8, ServedModel);
            writer.WriteNumber("stored_at"u8, StoredAt.ToUnixTimeMilliseconds());
            if (ExpiresAt is { } expiresAt)
            {
                writer.WriteNumber("expires_at"u8, expiresAt.ToUnixTimeMilliseconds());
            }

            writer.WriteStartObject("usage"u8);
            writer.WriteNumber("input"u8, Usage.Input);
            writer.WriteNumber("cached_input"u8, Usage.CachedInput);
            writer.WriteNumber("cache_write"u8, Usage.CacheWrite);
            writer.WriteNumber("output"u8, Usage.Output);
            writer.WriteNumber("reasoning"u8, Usage.Reasoning);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        var value = new byte[PrefixLength + header.WrittenCount + Completion.Length];
        value[0] = FormatVersion;
        BinaryPrimitives.WriteInt32LittleEndian(value.AsSpan(1), header.WrittenCount);
        header.WrittenSpan.CopyTo(value.AsSpan(PrefixLength));
        Completion.Span.CopyTo(value.AsSpan(PrefixLength + header.WrittenCount));
        return value;
    }

    /// <summary>The stored answer, or null when the value is of another format version or damaged (read as a miss,
    /// and overwritten by the next store).</summary>
    public static StoredAnswer? TryDecode(ReadOnlyMemory<byte> value)
    {
        var span = value.Span;
        if (span.Length < PrefixLength || span[0] != FormatVersion)
        {
            return null;
        }

        var headerLength = BinaryPrimitives.ReadInt32LittleEndian(span[1..]);
        if (headerLength <= 0 || headerLength > span.Length - PrefixLength)
        {
            return null;
        }

        var completion = value[(PrefixLength + headerLength)..];
        if (completion.IsEmpty)
        {
            return null;
        }

        try
        {
            return ReadHeader(span.Slice(PrefixLength, headerLength), completion);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static bool IsComplete(ReadOnlySpan<byte> completion)
    {
        try
        {
            var reader = new Utf8JsonReader(completion);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            var choices = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("choices"u8))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }

                reader.Read();
                if (reader.TokenType != JsonTokenType.StartArray)
                {
                    return false;
                }

                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    choices++;
                    var finished = false;
                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var isFinish = reader.ValueTextEquals("finish_reason"u8);
                        reader.Read();
                        finished |= isFinish && reader.TokenType == JsonTokenType.String;
                        reader.Skip();
                    }

                    if (!finished)
                    {
                        return false;
                    }
                }
            }

            return choices > 0;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static StoredAnswer? ReadHeader(ReadOnlySpan<byte> header, ReadOnlyMemory<byte> completion)
    {
        var reader = new Utf8JsonReader(header);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        string provider = "", model = "";
        long storedAt = 0, expiresAt = -1, input = 0, cachedInput = 0, cacheWrite = 0, output = 0, reasoning = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("provider"u8))
            {
                reader.Read();
                provider = reader.GetString() ?? "";
            }
            else if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                model = reader.GetString() ?? "";
            }
            else if (reader.ValueTextEquals("stored_at"u8))
            {
                reader.Read();
                storedAt = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("expires_at"u8))
            {
                reader.Read();
                expiresAt = reader.GetInt64();
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.ValueSpan;
                    reader.Read();
                    var count = reader.GetInt64();
                    input = name.SequenceEqual("input"u8) ? count : input;
                    cachedInput = name.SequenceEqual("cached_input"u8) ? count : cachedInput;
                    cacheWrite = name.SequenceEqual("cache_write"u8) ? count : cacheWrite;
                    output = name.SequenceEqual("output"u8) ? count : output;
                    reasoning = name.SequenceEqual("reasoning"u8) ? count : reasoning;
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new StoredAnswer(provider, model, new TokenUsage(input, cachedInput, cacheWrite, output, reasoning),
            DateTimeOffset.FromUnixTimeMilliseconds(storedAt), completion)
        {
            ExpiresAt = expiresAt >= 0 ? DateTimeOffset.FromUnixTimeMilliseconds(expiresAt) : null,
        };
    }
}
