using System.Text.Json;
using Gateway.Edge.Pricing;

namespace Gateway.Edge.Translation;

/// <summary>Anthropic's usage object in both directions: read into <see cref="TokenUsage"/> (already disjoint:
/// <c>input_tokens</c> excludes cache reads and writes) and written as OpenAI's usage, where prompt_tokens counts every
/// input token and cache reads are the cached detail.</summary>
internal static class AnthropicUsage
{
    /// <summary>Reads the object the reader is positioned on. Fields that are absent keep their value in
    /// <paramref name="current"/>: <c>message_delta</c> repeats only some of what <c>message_start</c> said.</summary>
    public static TokenUsage Read(ref Utf8JsonReader reader, TokenUsage current)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return current;
        }

        var (input, cacheRead, cacheWrite, output) = (current.Input, current.CachedInput, current.CacheWrite, current.Output);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("input_tokens"u8))
            {
                input = ReadCount(ref reader, input);
            }
            else if (reader.ValueTextEquals("output_tokens"u8))
            {
                output = ReadCount(ref reader, output);
            }
            else if (reader.ValueTextEquals("cache_read_input_tokens"u8))
            {
                cacheRead = ReadCount(ref reader, cacheRead);
            }
            else if (reader.ValueTextEquals("cache_creation_input_tokens"u8))
            {
                cacheWrite = ReadCount(ref reader, cacheWrite);
            }
            else
            {
                // cache_creation (per-TTL breakdown), server_tool_use, service_tier: not billed separately here.
                reader.Read();
                reader.Skip();
            }
        }

        return new TokenUsage(input, cacheRead, cacheWrite, output, 0);
    }

    /// <summary>The usage of a whole (non-streamed) message.</summary>
    public static TokenUsage Read(JsonElement usage) => usage.ValueKind != JsonValueKind.Object
        ? default
        : new TokenUsage(Count(usage, "input_tokens"), Count(usage, "cache_read_input_tokens"),
            Count(usage, "cache_creation_input_tokens"), Count(usage, "output_tokens"), 0);

    /// <summary>Writes <c>"usage":{...}</c> in OpenAI's shape.</summary>
    public static void WriteOpenAi(Utf8JsonWriter json, TokenUsage usage)
    {
        var prompt = usage.Input + usage.CachedInput + usage.CacheWrite;
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", prompt);
        json.WriteNumber("completion_tokens", usage.Output);
        json.WriteNumber("total_tokens", prompt + usage.Output);
        json.WriteStartObject("prompt_tokens_details");
        json.WriteNumber("cached_tokens", usage.CachedInput);
        json.WriteEndObject();
        json.WriteStartObject("completion_tokens_details");
        json.WriteNumber("reasoning_tokens", usage.Reasoning);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static long ReadCount(ref Utf8JsonReader reader, long previous)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) ? Math.Max(value, 0) : previous;
    }

    private static long Count(JsonElement usage, string name) =>
        usage.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var count)
            ? Math.Max(count, 0)
            : 0;
}
