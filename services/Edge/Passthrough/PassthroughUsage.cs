using System.Text.Json;
using Gateway.Edge.Pricing;
using Gateway.Edge.Proxy;

namespace Gateway.Edge.Passthrough;

/// <summary>The billing facts of a passed-through JSON answer: its top-level <c>model</c> and <c>usage</c>, in
/// either of OpenAI's shapes: <c>prompt_tokens/completion_tokens</c> (+ <c>prompt_tokens_details.cached_tokens</c>,
/// <c>completion_tokens_details.reasoning_tokens</c>) or, for the Responses API,
/// <c>input_tokens/output_tokens</c> (+ <c>input_tokens_details</c>, <c>output_tokens_details</c>). A Responses API
/// stream event (<c>response.completed</c>) carries them one level down, in its <c>response</c> object.</summary>
internal readonly record struct PassthroughUsage(string? Model, TokenUsage? Usage)
{
    /// <summary>Nothing for bodies that are not a JSON object (or not JSON at all).</summary>
    public static PassthroughUsage Read(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return default;
            }

            return ReadObject(ref reader);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return default;
        }
    }

    /// <summary>Reads the object the reader is on (its StartObject) to its end.</summary>
    private static PassthroughUsage ReadObject(ref Utf8JsonReader reader)
    {
        string? model = null;
        TokenUsage? usage = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("model"u8))
            {
                reader.Read();
                model = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else if (reader.ValueTextEquals("response"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                }
                else if (ReadObject(ref reader) is { Usage: not null } nested)
                {
                    (model, usage) = (nested.Model, nested.Usage);
                }
            }
            else if (reader.ValueTextEquals("usage"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.StartObject)
                {
                    usage = ReadUsage(ref reader);
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

        return new PassthroughUsage(model, usage);
    }

    private static TokenUsage ReadUsage(ref Utf8JsonReader reader)
    {
        long input = 0, output = 0, cached = 0, reasoning = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("prompt_tokens"u8) || reader.ValueTextEquals("input_tokens"u8))
            {
                input = UsageCountReader.ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("completion_tokens"u8) || reader.ValueTextEquals("output_tokens"u8))
            {
                output = UsageCountReader.ReadCount(ref reader);
            }
            else if (reader.ValueTextEquals("prompt_tokens_details"u8) || reader.ValueTextEquals("input_tokens_details"u8))
            {
                cached = UsageCountReader.ReadDetail(ref reader, "cached_tokens"u8);
            }
            else if (reader.ValueTextEquals("completion_tokens_details"u8) || reader.ValueTextEquals("output_tokens_details"u8))
            {
                reasoning = UsageCountReader.ReadDetail(ref reader, "reasoning_tokens"u8);
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        // Both shapes count cached tokens inside the input and reasoning tokens inside the output.
        return TokenUsage.FromOpenAi(input, output, cached, reasoning);
    }
}
