using System.Buffers;
using System.Text.Json;
using Gateway.Edge.Errors;

namespace Gateway.Edge.Translation;

/// <summary>An Anthropic Messages API request as an OpenAI chat completion request, for <c>/v1/messages</c> clients
/// routed to OpenAI-wire providers. <c>system</c> (string or text blocks) becomes the first, system, message; text and
/// image blocks become content parts; assistant <c>tool_use</c> blocks become <c>tool_calls</c> and user
/// <c>tool_result</c> blocks become <c>tool</c> messages (placed before the rest of that user turn, as OpenAI wants
/// them right after the calls). Mapped: model, max_tokens, stop_sequences (stop), temperature, top_p, stream,
/// metadata.user_id (user), tools, tool_choice (disable_parallel_tool_use as parallel_tool_calls). Dropped, because
/// OpenAI has no equivalent: top_k, thinking, service_tier, container, mcp_servers; thinking blocks in history.
/// Server tools and document blocks cannot be expressed and are refused with a 400.</summary>
internal static class MessagesToChatRequest
{
    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    /// <summary>Throws <see cref="GatewayErrorException"/> (400) for what cannot be translated; the body is known to be
    /// a JSON object with a non-empty <c>messages</c> array (<see cref="Messages.MessagesRequestScanner"/>).</summary>
    public static byte[] Translate(ReadOnlyMemory<byte> anthropicBody)
    {
        using var document = JsonDocument.Parse(anthropicBody, DocumentOptions);
        var root = document.RootElement;
        var output = new ArrayBufferWriter<byte>(anthropicBody.Length + 256);
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            CopyIf(json, root, "model", JsonValueKind.String);
            json.WriteStartArray("messages");
            WriteSystem(json, root);
            var index = 0;
            foreach (var message in root.GetProperty("messages").EnumerateArray())
            {
                WriteMessage(json, message, index++);
            }

            json.WriteEndArray();

            // max_tokens rather than max_completion_tokens: every OpenAI-compatible server (vLLM, Ollama, Groq) reads it.
            CopyIf(json, root, "max_tokens", JsonValueKind.Number);
            CopyIf(json, root, "temperature", JsonValueKind.Number);
            CopyIf(json, root, "top_p", JsonValueKind.Number);
            if (root.TryGetProperty("stop_sequences", out var stop) && stop.ValueKind == JsonValueKind.Array && stop.GetArrayLength() > 0)
            {
                json.WritePropertyName("stop");
                stop.WriteTo(json);
            }

            if (root.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True)
            {
                // stream_options.include_usage is the provider's to add (not every OpenAI-wire server accepts it).
                json.WriteBoolean("stream", true);
            }

            if (root.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
                && metadata.TryGetProperty("user_id", out var user) && user.ValueKind == JsonValueKind.String)
            {
                json.WriteString("user", user.GetString());
            }

            WriteTools(json, root);
            json.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    private static void WriteSystem(Utf8JsonWriter json, JsonElement root)
    {
        if (!root.TryGetProperty("system", out var system))
        {
            return;
        }

        string? text = system.ValueKind switch
        {
            JsonValueKind.String => system.GetString(),
            JsonValueKind.Array => JoinText(system, "system"),
            JsonValueKind.Null => null,
            _ => throw Invalid("invalid_system", "'system' must be a string or an array of text blocks."),
        };
        if (string.IsNullOrEmpty(text))
        {
            return;
        }

        json.WriteStartObject();
        json.WriteString("role", "system");
        json.WriteString("content", text);
        json.WriteEndObject();
    }

    private static void WriteMessage(Utf8JsonWriter json, JsonElement message, int index)
    {
        var role = message.TryGetProperty("role", out var r) && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
        if (role is not ("user" or "assistant"))
        {
            throw Invalid("invalid_role", $"'messages[{index}].role' must be 'user' or 'assistant'.");
        }

        if (!message.TryGetProperty("content", out var content) || content.ValueKind is not (JsonValueKind.String or JsonValueKind.Array))
        {
            throw Invalid("invalid_content", $"'messages[{index}].content' must be a string or an array of content blocks.");
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            json.WriteStartObject();
            json.WriteString("role", role);
            json.WriteString("content", content.GetString());
            json.WriteEndObject();
            return;
        }

        if (role == "assistant")
        {
            WriteAssistant(json, content, index);
        }
        else
        {
            WriteUser(json, content, index);
        }
    }

    private static void WriteAssistant(Utf8JsonWriter json, JsonElement content, int index)
    {
        string? text = null;
        var toolCalls = 0;
        foreach (var block in content.EnumerateArray())
        {
            switch (BlockType(block))
            {
                case "text":
                    text = string.Concat(text, TextOf(block));
                    break;
                case "tool_use":
                    toolCalls++;
                    break;
                case "thinking" or "redacted_thinking":
                    // The model's private reasoning: OpenAI has no place for it in history.
                    break;
                default:
                    throw Unsupported(block, index);
            }
        }

        json.WriteStartObject();
        json.WriteString("role", "assistant");
        if (text is null)
        {
            json.WriteNull("content");
        }
        else
        {
            json.WriteString("content", text);
        }

        if (toolCalls > 0)
        {
            json.WriteStartArray("tool_calls");
            foreach (var block in content.EnumerateArray())
            {
                if (BlockType(block) != "tool_use")
                {
                    continue;
                }

                json.WriteStartObject();
                json.WriteString("id", StringOf(block, "id"));
                json.WriteString("type", "function");
                json.WriteStartObject("function");
                json.WriteString("name", StringOf(block, "name"));
                json.WriteString("arguments", block.TryGetProperty("input", out var input) ? input.GetRawText() : "{}");
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteUser(Utf8JsonWriter json, JsonElement content, int index)
    {
        var parts = 0;
        var onlyText = true;
        foreach (var block in content.EnumerateArray())
        {
            switch (BlockType(block))
            {
                case "tool_result":
                    WriteToolMessage(json, block, index);
                    break;
                case "text":
                    parts++;
                    break;
                case "image":
                    parts++;
                    onlyText = false;
                    break;
                default:
                    throw Unsupported(block, index);
            }
        }

        if (parts == 0)
        {
            return;
        }

        json.WriteStartObject();
        json.WriteString("role", "user");
        if (parts == 1 && onlyText)
        {
            foreach (var block in content.EnumerateArray())
            {
                if (BlockType(block) == "text")
                {
                    json.WriteString("content", TextOf(block));
                }
            }
        }
        else
        {
            json.WriteStartArray("content");
            foreach (var block in content.EnumerateArray())
            {
                var type = BlockType(block);
                if (type == "text")
                {
                    json.WriteStartObject();
                    json.WriteString("type", "text");
                    json.WriteString("text", TextOf(block));
                    json.WriteEndObject();
                }
                else if (type == "image")
                {
                    WriteImagePart(json, block, index);
                }
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteToolMessage(Utf8JsonWriter json, JsonElement block, int index)
    {
        json.WriteStartObject();
        json.WriteString("role", "tool");
        json.WriteString("tool_call_id", StringOf(block, "tool_use_id"));
        var text = !block.TryGetProperty("content", out var content) ? ""
            : content.ValueKind switch
            {
                JsonValueKind.String => content.GetString() ?? "",
                JsonValueKind.Array => JoinText(content, $"messages[{index}] tool_result"),
                _ => "",
            };

        // OpenAI has no error flag on tool results; the model still needs to know the call failed.
        if (block.TryGetProperty("is_error", out var isError) && isError.ValueKind == JsonValueKind.True)
        {
            text = "Error: " + text;
        }

        json.WriteString("content", text);
        json.WriteEndObject();
    }

    private static void WriteImagePart(Utf8JsonWriter json, JsonElement block, int index)
    {
        if (!block.TryGetProperty("source", out var source) || source.ValueKind != JsonValueKind.Object)
        {
            throw Invalid("invalid_image", $"'messages[{index}]': an image block needs a 'source'.");
        }

        var url = StringOf(source, "type") switch
        {
            "base64" => string.Concat("data:", StringOf(source, "media_type"), ";base64,", StringOf(source, "data")),
            "url" => StringOf(source, "url"),
            _ => throw Invalid("unsupported_content", $"'messages[{index}]': only base64 and url image sources can be sent to this provider."),
        };
        json.WriteStartObject();
        json.WriteString("type", "image_url");
        json.WriteStartObject("image_url");
        json.WriteString("url", url);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteTools(Utf8JsonWriter json, JsonElement root)
    {
        if (root.TryGetProperty("tools", out var tools) && tools.ValueKind == JsonValueKind.Array && tools.GetArrayLength() > 0)
        {
            json.WriteStartArray("tools");
            foreach (var tool in tools.EnumerateArray())
            {
                // Client tools have no type (or "custom"); typed ones (web_search_..., bash_...) run on Anthropic's side.
                if (tool.ValueKind != JsonValueKind.Object
                    || (tool.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && !type.ValueEquals("custom")))
                {
                    throw Invalid("unsupported_tool", "Only client tools (name, description, input_schema) can be sent to this provider.");
                }

                json.WriteStartObject();
                json.WriteString("type", "function");
                json.WriteStartObject("function");
                json.WriteString("name", StringOf(tool, "name"));
                CopyIf(json, tool, "description", JsonValueKind.String);
                if (tool.TryGetProperty("input_schema", out var schema))
                {
                    json.WritePropertyName("parameters");
                    schema.WriteTo(json);
                }

                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        if (!root.TryGetProperty("tool_choice", out var choice) || choice.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        switch (StringOf(choice, "type"))
        {
            case "auto":
                json.WriteString("tool_choice", "auto");
                break;
            case "any":
                json.WriteString("tool_choice", "required");
                break;
            case "none":
                json.WriteString("tool_choice", "none");
                break;
            case "tool":
                json.WriteStartObject("tool_choice");
                json.WriteString("type", "function");
                json.WriteStartObject("function");
                json.WriteString("name", StringOf(choice, "name"));
                json.WriteEndObject();
                json.WriteEndObject();
                break;
            default:
                throw Invalid("invalid_tool_choice", "'tool_choice.type' must be auto, any, tool or none.");
        }

        if (choice.TryGetProperty("disable_parallel_tool_use", out var disable) && disable.ValueKind == JsonValueKind.True)
        {
            json.WriteBoolean("parallel_tool_calls", false);
        }
    }

    /// <summary>The text of an array of text blocks, joined by blank lines (how Anthropic reads consecutive blocks).</summary>
    private static string JoinText(JsonElement blocks, string where)
    {
        string? text = null;
        foreach (var block in blocks.EnumerateArray())
        {
            if (BlockType(block) != "text")
            {
                throw Invalid("unsupported_content", $"'{where}' may only contain text blocks for this provider.");
            }

            text = text is null ? TextOf(block) : string.Concat(text, "\n\n", TextOf(block));
        }

        return text ?? "";
    }

    private static void CopyIf(Utf8JsonWriter json, JsonElement element, string name, JsonValueKind kind)
    {
        if (element.TryGetProperty(name, out var value) && value.ValueKind == kind)
        {
            json.WritePropertyName(name);
            value.WriteTo(json);
        }
    }

    private static string? BlockType(JsonElement block) =>
        block.ValueKind == JsonValueKind.Object && block.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
            ? type.GetString()
            : null;

    private static string TextOf(JsonElement block) => StringOf(block, "text");

    private static string StringOf(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

    private static GatewayErrorException Unsupported(JsonElement block, int index) =>
        Invalid("unsupported_content", $"'messages[{index}]': content blocks of type '{BlockType(block) ?? "(none)"}' cannot be sent to this provider.");

    private static GatewayErrorException Invalid(string code, string message) => new(GatewayError.InvalidBody(code, message));
}
