using System.Buffers;
using System.Text.Json;
using Gateway.Edge.Pricing;

namespace Gateway.Edge.Translation;

/// <summary>A whole Anthropic response body as OpenAI's: a message as a <c>chat.completion</c>, an error as
/// <c>{"error":{"message","type","code"}}</c>. Bodies that are not what Anthropic documents are passed on unchanged
/// (the relay wraps non-JSON errors itself).</summary>
internal static class AnthropicResponseTranslator
{
    /// <summary>A message: text blocks joined, <c>tool_use</c> blocks as tool calls with JSON-string arguments;
    /// thinking blocks are not part of OpenAI's answer and are left out. Returns the usage it found.</summary>
    public static TokenUsage? TranslateMessage(ReadOnlyMemory<byte> anthropic, IBufferWriter<byte> output)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(anthropic);
        }
        catch (JsonException)
        {
            output.Write(anthropic.Span);
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("content", out var content)
                || content.ValueKind != JsonValueKind.Array)
            {
                output.Write(anthropic.Span);
                return null;
            }

            var usage = root.TryGetProperty("usage", out var usageElement) ? AnthropicUsage.Read(usageElement) : default;
            using var json = new Utf8JsonWriter(output);
            json.WriteStartObject();
            json.WriteString("id", StringOrEmpty(root, "id"));
            json.WriteString("object", "chat.completion");
            json.WriteNumber("created", DateTimeOffset.UtcNow.ToUnixTimeSeconds());
            json.WriteString("model", StringOrEmpty(root, "model"));
            json.WriteStartArray("choices");
            json.WriteStartObject();
            json.WriteNumber("index", 0);
            json.WriteStartObject("message");
            json.WriteString("role", "assistant");
            WriteContent(json, content);
            json.WriteEndObject();
            json.WriteNull("logprobs");
            json.WriteString("finish_reason", AnthropicStopReason.ToFinishReason(
                root.TryGetProperty("stop_reason", out var stop) && stop.ValueKind == JsonValueKind.String ? stop.GetString() : null));
            json.WriteEndObject();
            json.WriteEndArray();
            AnthropicUsage.WriteOpenAi(json, usage);
            json.WriteEndObject();
            return usage;
        }
    }

    /// <summary><c>{"type":"error","error":{"type","message"}}</c> as OpenAI's error envelope; the Anthropic error
    /// type (e.g. <c>overloaded_error</c>) is both its type and code.</summary>
    public static void TranslateError(ReadOnlySpan<byte> anthropic, IBufferWriter<byte> output)
    {
        if (ReadError(anthropic) is not { } error)
        {
            output.Write(anthropic);
            return;
        }

        WriteError(output, error.Type, error.Message);
    }

    public static void WriteError(IBufferWriter<byte> output, string type, string message)
    {
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteStartObject("error");
        json.WriteString("message", message);
        json.WriteString("type", type);
        json.WriteString("code", type);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>The type and message of an Anthropic error object (a body, or an SSE <c>error</c> event's data).</summary>
    public static (string Type, string Message)? ReadError(ReadOnlySpan<byte> anthropic)
    {
        try
        {
            var reader = new Utf8JsonReader(anthropic);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("error"u8))
                {
                    reader.Read();
                    reader.Skip();
                    continue;
                }

                reader.Read();
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    return null;
                }

                string type = "api_error", message = "";
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var isType = reader.ValueTextEquals("type"u8);
                    var isMessage = reader.ValueTextEquals("message"u8);
                    reader.Read();
                    if (isType && reader.TokenType == JsonTokenType.String)
                    {
                        type = reader.GetString()!;
                    }
                    else if (isMessage && reader.TokenType == JsonTokenType.String)
                    {
                        message = reader.GetString()!;
                    }
                    else
                    {
                        reader.Skip();
                    }
                }

                return (type, message);
            }

            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static void WriteContent(Utf8JsonWriter json, JsonElement content)
    {
        string? text = null;
        var toolCalls = 0;
        foreach (var block in content.EnumerateArray())
        {
            if (IsBlock(block, "text") && block.TryGetProperty("text", out var part) && part.ValueKind == JsonValueKind.String)
            {
                text = string.Concat(text, part.GetString());
            }
            else if (IsBlock(block, "tool_use"))
            {
                toolCalls++;
            }
        }

        // OpenAI sends null content when the answer is only tool calls.
        if (text is null)
        {
            json.WriteNull("content");
        }
        else
        {
            json.WriteString("content", text);
        }

        json.WriteNull("refusal");
        if (toolCalls == 0)
        {
            return;
        }

        json.WriteStartArray("tool_calls");
        foreach (var block in content.EnumerateArray())
        {
            if (!IsBlock(block, "tool_use"))
            {
                continue;
            }

            json.WriteStartObject();
            json.WriteString("id", StringOrEmpty(block, "id"));
            json.WriteString("type", "function");
            json.WriteStartObject("function");
            json.WriteString("name", StringOrEmpty(block, "name"));
            json.WriteString("arguments", block.TryGetProperty("input", out var input) ? input.GetRawText() : "{}");
            json.WriteEndObject();
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static bool IsBlock(JsonElement block, string type) =>
        block.ValueKind == JsonValueKind.Object && block.TryGetProperty("type", out var value) && value.ValueKind == JsonValueKind.String
        && value.ValueEquals(type);

    private static string StringOrEmpty(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
}
