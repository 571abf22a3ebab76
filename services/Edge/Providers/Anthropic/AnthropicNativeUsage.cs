using System.Text.Json;
using Gateway.Edge.Pricing;
using Gateway.Edge.Translation;

namespace Gateway.Edge.Providers.Anthropic;

/// <summary>The usage in Anthropic's own bodies, for <c>/v1/messages</c> forwarded natively: a message's
/// <c>usage</c>, or a stream event's (<c>message_start</c> nests it in <c>message</c>, <c>message_delta</c> has it at
/// the top and repeats only what changed).</summary>
internal static class AnthropicNativeUsage
{
    /// <summary>The usage of a whole message (or null when the body is not one).</summary>
    public static TokenUsage? FromMessage(ReadOnlySpan<byte> body) => Read(body, null);

    /// <summary><paramref name="current"/> updated with what one stream event's data says.</summary>
    public static TokenUsage? FromEvent(ReadOnlySpan<byte> data, TokenUsage? current) => Read(data, current);

    private static TokenUsage? Read(ReadOnlySpan<byte> json, TokenUsage? current)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return current;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("usage"u8))
                {
                    reader.Read();
                    current = AnthropicUsage.Read(ref reader, current ?? default);
                }
                else if (reader.ValueTextEquals("message"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        reader.Skip();
                        continue;
                    }

                    while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                    {
                        var isUsage = reader.ValueTextEquals("usage"u8);
                        reader.Read();
                        if (isUsage)
                        {
                            current = AnthropicUsage.Read(ref reader, current ?? default);
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

            return current;
        }
        catch (JsonException)
        {
            return current;
        }
    }
}
