using System.Buffers;
using System.Text.Json;
using Gateway.Edge.Pricing;
using Gateway.Edge.Proxy;

namespace Gateway.Edge.Translation;

/// <summary>A whole OpenAI <c>chat.completion</c> as an Anthropic message, for <c>/v1/messages</c> clients of
/// OpenAI-wire providers: the first choice's text as a text block, its tool calls as <c>tool_use</c> blocks (arguments
/// parsed back into the <c>input</c> object), finish_reason as stop_reason, and usage split the Anthropic way
/// (input_tokens without the cached ones, which are cache_read_input_tokens). A body that is not a completion is
/// passed on unchanged.</summary>
internal static class ChatToMessagesResponse
{
    public static TokenUsage? Translate(ReadOnlyMemory<byte> openAi, IBufferWriter<byte> output)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(openAi);
        }
        catch (JsonException)
        {
            output.Write(openAi.Span);
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("choices", out var choices)
                || choices.ValueKind != JsonValueKind.Array || choices.GetArrayLength() == 0)
            {
                output.Write(openAi.Span);
                return null;
            }

            // Null when the provider reported none: the gateway then estimates (the client still gets zeros).
            var usage = ChunkInspector.Inspect(openAi.Span).Usage;
            var choice = choices[0];
            var message = choice.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.Object ? m : default;
            using var json = new Utf8JsonWriter(output);
            json.WriteStartObject();
            json.WriteString("id", StringOrEmpty(root, "id"));
            json.WriteString("type", "message");
            json.WriteString("role", "assistant");
            json.WriteString("model", StringOrEmpty(root, "model"));
            json.WriteStartArray("content");
            if (message.ValueKind == JsonValueKind.Object)
            {
                WriteContent(json, message);
            }

            json.WriteEndArray();
            json.WriteString("stop_reason", ChatFinishReason.ToStopReason(
                choice.TryGetProperty("finish_reason", out var finish) && finish.ValueKind == JsonValueKind.String ? finish.GetString() : null));
            json.WriteNull("stop_sequence");
            WriteUsage(json, usage ?? default);
            json.WriteEndObject();
            return usage;
        }
    }

    /// <summary>Writes <c>"usage":{...}</c> in Anthropic's shape from the gateway's disjoint counts.</summary>
    public static void WriteUsage(Utf8JsonWriter json, TokenUsage usage)
    {
        json.WriteStartObject("usage");
        json.WriteNumber("input_tokens", usage.Input);
        json.WriteNumber("cache_creation_input_tokens", usage.CacheWrite);
        json.WriteNumber("cache_read_input_tokens", usage.CachedInput);
        json.WriteNumber("output_tokens", usage.Output);
        json.WriteEndObject();
    }

    private static void WriteContent(Utf8JsonWriter json, JsonElement message)
    {
        if (message.TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String
            && content.GetString() is { Length: > 0 } text)
        {
            json.WriteStartObject();
            json.WriteString("type", "text");
            json.WriteString("text", text);
            json.WriteEndObject();
        }

        if (!message.TryGetProperty("tool_calls", out var calls) || calls.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        foreach (var call in calls.EnumerateArray())
        {
            if (call.ValueKind != JsonValueKind.Object || !call.TryGetProperty("function", out var function)
                || function.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            json.WriteStartObject();
            json.WriteString("type", "tool_use");
            json.WriteString("id", StringOrEmpty(call, "id"));
            json.WriteString("name", StringOrEmpty(function, "name"));
            json.WritePropertyName("input");
            WriteInput(json, StringOrEmpty(function, "arguments"));
            json.WriteEndObject();
        }
    }

    /// <summary>OpenAI's arguments are a JSON string the model wrote; Anthropic's input is the object itself. Arguments
    /// that are not an object (a truncated generation) are kept as text rather than dropped.</summary>
    private static void WriteInput(Utf8JsonWriter json, string arguments)
    {
        if (arguments.Length > 0)
        {
            try
            {
                using var parsed = JsonDocument.Parse(arguments);
                if (parsed.RootElement.ValueKind == JsonValueKind.Object)
                {
                    parsed.RootElement.WriteTo(json);
                    return;
                }
            }
            catch (JsonException)
            {
            }
        }

        json.WriteStartObject();
        if (arguments.Length > 0)
        {
            json.WriteString("arguments", arguments);
        }

        json.WriteEndObject();
    }

    private static string StringOrEmpty(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
}
