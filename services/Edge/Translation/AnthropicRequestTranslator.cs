using System.Buffers;
using System.Text.Json;
using Gateway.Edge.Errors;

namespace Gateway.Edge.Translation;

/// <summary>An OpenAI chat completion request as an Anthropic Messages API request. System and developer messages
/// become the top-level <c>system</c>; tool calls and tool results become <c>tool_use</c>/<c>tool_result</c> blocks
/// (consecutive tool messages form one user turn); images become base64 or URL image sources.
/// Mapped: model, messages, max_completion_tokens/max_tokens (default <see cref="DefaultMaxTokens"/>, Anthropic
/// requires one), temperature, top_p, top_k, stop, stream, user (metadata.user_id), tools, tool_choice,
/// parallel_tool_calls. Dropped, because Anthropic has no equivalent: frequency_penalty, presence_penalty,
/// logit_bias, logprobs, top_logprobs, seed, response_format, stream_options (Anthropic always streams usage),
/// service_tier, store, metadata, modalities, audio, prediction, reasoning_effort, web_search_options, n = 1.
/// Requests Anthropic cannot answer faithfully (n > 1, audio or file parts, non-function tools) are refused with a
/// 400 instead of being silently changed.</summary>
internal static class AnthropicRequestTranslator
{
    public const int DefaultMaxTokens = 4096;

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 64 };

    /// <summary>Throws <see cref="GatewayErrorException"/> (400) for what cannot be translated.</summary>
    public static byte[] Translate(ReadOnlyMemory<byte> openAiBody)
    {
        using var document = JsonDocument.Parse(openAiBody, DocumentOptions);
        var root = document.RootElement;
        var output = new ArrayBufferWriter<byte>(openAiBody.Length + 256);
        using (var json = new Utf8JsonWriter(output))
        {
            json.WriteStartObject();
            if (root.TryGetProperty("model", out var model))
            {
                json.WritePropertyName("model");
                model.WriteTo(json);
            }

            json.WriteNumber("max_tokens", MaxTokens(root));
            var messages = root.GetProperty("messages");
            WriteSystem(json, messages);
            WriteMessages(json, messages);
            WriteSampling(json, root);
            if (root.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True)
            {
                json.WriteBoolean("stream", true);
            }

            if (root.TryGetProperty("user", out var user) && user.ValueKind == JsonValueKind.String && user.GetString() is { Length: > 0 } userId)
            {
                json.WriteStartObject("metadata");
                json.WriteString("user_id", userId);
                json.WriteEndObject();
            }

            WriteTools(json, root);
            json.WriteEndObject();
        }

        return output.WrittenSpan.ToArray();
    }

    private static long MaxTokens(JsonElement root)
    {
        foreach (var name in (ReadOnlySpan<string>)["max_completion_tokens", "max_tokens"])
        {
            if (!root.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                continue;
            }

            if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var tokens) || tokens < 1)
            {
                throw Invalid("invalid_max_tokens", $"'{name}' must be a positive integer.");
            }

            return tokens;
        }

        return DefaultMaxTokens;
    }

    private static void WriteSampling(Utf8JsonWriter json, JsonElement root)
    {
        if (root.TryGetProperty("n", out var n) && n.ValueKind == JsonValueKind.Number && (!n.TryGetInt32(out var count) || count != 1))
        {
            throw Invalid("unsupported_parameter", "'n' must be 1 for provider 'anthropic' (it returns one choice per request).");
        }

        // Passed as numbers; the provider checks ranges (Anthropic's temperature is 0-1, OpenAI's 0-2).
        foreach (var name in (ReadOnlySpan<string>)["temperature", "top_p", "top_k"])
        {
            if (root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number)
            {
                json.WritePropertyName(name);
                value.WriteTo(json);
            }
        }

        if (!root.TryGetProperty("stop", out var stop) || stop.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        json.WriteStartArray("stop_sequences");
        if (stop.ValueKind == JsonValueKind.String)
        {
            json.WriteStringValue(stop.GetString());
        }
        else if (stop.ValueKind == JsonValueKind.Array)
        {
            foreach (var sequence in stop.EnumerateArray())
            {
                if (sequence.ValueKind != JsonValueKind.String)
                {
                    throw Invalid("invalid_stop", "'stop' must be a string or an array of strings.");
                }

                json.WriteStringValue(sequence.GetString());
            }
        }
        else
        {
            throw Invalid("invalid_stop", "'stop' must be a string or an array of strings.");
        }

        json.WriteEndArray();
    }

    /// <summary>Every system and developer message, wherever it stands, in order, as system text blocks.</summary>
    private static void WriteSystem(Utf8JsonWriter json, JsonElement messages)
    {
        var started = false;
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            if (IsSystem(Role(message, index)) && message.TryGetProperty("content", out var content))
            {
                if (content.ValueKind == JsonValueKind.String)
                {
                    if (content.GetString() is { Length: > 0 } text)
                    {
                        StartSystem(json, ref started);
                        WriteTextBlock(json, text, default);
                    }
                }
                else if (content.ValueKind == JsonValueKind.Array)
                {
                    foreach (var part in content.EnumerateArray())
                    {
                        if (!IsType(part, "text"))
                        {
                            throw Invalid("unsupported_content", $"'messages[{index}]': system messages may only contain text parts.");
                        }

                        if (TextOf(part) is { Length: > 0 } text)
                        {
                            StartSystem(json, ref started);
                            WriteTextBlock(json, text, part);
                        }
                    }
                }
            }

            index++;
        }

        if (started)
        {
            json.WriteEndArray();
        }

        static void StartSystem(Utf8JsonWriter json, ref bool started)
        {
            if (!started)
            {
                json.WriteStartArray("system");
                started = true;
            }
        }
    }

    private static void WriteMessages(Utf8JsonWriter json, JsonElement messages)
    {
        json.WriteStartArray("messages");
        var toolTurnOpen = false;
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var role = Role(message, index);
            if (IsSystem(role))
            {
                index++;
                continue;
            }

            if (role == "tool")
            {
                if (!toolTurnOpen)
                {
                    json.WriteStartObject();
                    json.WriteString("role", "user");
                    json.WriteStartArray("content");
                    toolTurnOpen = true;
                }

                WriteToolResult(json, message, index);
                index++;
                continue;
            }

            if (toolTurnOpen)
            {
                json.WriteEndArray();
                json.WriteEndObject();
                toolTurnOpen = false;
            }

            switch (role)
            {
                case "user":
                    WriteUser(json, message, index);
                    break;
                case "assistant":
                    WriteAssistant(json, message, index);
                    break;
                default:
                    throw Invalid("unsupported_role", $"'messages[{index}].role' '{role}' is not supported for provider 'anthropic' " +
                        "(use system, developer, user, assistant or tool).");
            }

            index++;
        }

        if (toolTurnOpen)
        {
            json.WriteEndArray();
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private static void WriteUser(Utf8JsonWriter json, JsonElement message, int index)
    {
        if (!message.TryGetProperty("content", out var content) || !HasContent(content))
        {
            // Anthropic refuses empty turns; an empty user message carries nothing to the model anyway.
            return;
        }

        json.WriteStartObject();
        json.WriteString("role", "user");
        if (content.ValueKind == JsonValueKind.String)
        {
            json.WriteString("content", content.GetString());
        }
        else
        {
            json.WriteStartArray("content");
            WriteParts(json, content, index);
            json.WriteEndArray();
        }

        json.WriteEndObject();
    }

    private static void WriteAssistant(Utf8JsonWriter json, JsonElement message, int index)
    {
        var hasContent = message.TryGetProperty("content", out var content) && HasContent(content);
        var hasToolCalls = message.TryGetProperty("tool_calls", out var toolCalls) && toolCalls.ValueKind == JsonValueKind.Array
            && toolCalls.GetArrayLength() > 0;
        if (!hasContent && !hasToolCalls)
        {
            return;
        }

        json.WriteStartObject();
        json.WriteString("role", "assistant");
        json.WriteStartArray("content");
        if (hasContent)
        {
            if (content.ValueKind == JsonValueKind.String)
            {
                WriteTextBlock(json, content.GetString()!, default);
            }
            else
            {
                WriteParts(json, content, index);
            }
        }

        if (hasToolCalls)
        {
            var call = 0;
            foreach (var toolCall in toolCalls.EnumerateArray())
            {
                WriteToolUse(json, toolCall, $"messages[{index}].tool_calls[{call++}]");
            }
        }

        json.WriteEndArray();
        json.WriteEndObject();
    }

    private static void WriteToolUse(Utf8JsonWriter json, JsonElement toolCall, string path)
    {
        if (toolCall.ValueKind != JsonValueKind.Object
            || !toolCall.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String
            || !toolCall.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object
            || !function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
        {
            throw Invalid("invalid_tool_call", $"'{path}' must have an 'id' and a 'function' with a 'name'.");
        }

        json.WriteStartObject();
        json.WriteString("type", "tool_use");
        json.WriteString("id", id.GetString());
        json.WriteString("name", name.GetString());
        json.WritePropertyName("input");
        var arguments = function.TryGetProperty("arguments", out var args) && args.ValueKind == JsonValueKind.String ? args.GetString()! : "";
        if (string.IsNullOrWhiteSpace(arguments))
        {
            json.WriteStartObject();
            json.WriteEndObject();
        }
        else
        {
            // OpenAI carries arguments as a JSON string; Anthropic wants the object itself.
            try
            {
                using var input = JsonDocument.Parse(arguments, DocumentOptions);
                if (input.RootElement.ValueKind != JsonValueKind.Object)
                {
                    throw Invalid("invalid_tool_call", $"'{path}.function.arguments' must be a JSON object.");
                }

                input.RootElement.WriteTo(json);
            }
            catch (JsonException)
            {
                throw Invalid("invalid_tool_call", $"'{path}.function.arguments' is not valid JSON.");
            }
        }

        json.WriteEndObject();
    }

    private static void WriteToolResult(Utf8JsonWriter json, JsonElement message, int index)
    {
        if (!message.TryGetProperty("tool_call_id", out var id) || id.ValueKind != JsonValueKind.String)
        {
            throw Invalid("invalid_tool_message", $"'messages[{index}]' (role tool) must have a 'tool_call_id'.");
        }

        json.WriteStartObject();
        json.WriteString("type", "tool_result");
        json.WriteString("tool_use_id", id.GetString());
        if (message.TryGetProperty("content", out var content) && HasContent(content))
        {
            if (content.ValueKind == JsonValueKind.String)
            {
                json.WriteString("content", content.GetString());
            }
            else
            {
                json.WriteStartArray("content");
                WriteParts(json, content, index);
                json.WriteEndArray();
            }
        }

        json.WriteEndObject();
    }

    private static void WriteParts(Utf8JsonWriter json, JsonElement parts, int index)
    {
        foreach (var part in parts.EnumerateArray())
        {
            if (part.ValueKind != JsonValueKind.Object || !part.TryGetProperty("type", out var type) || type.ValueKind != JsonValueKind.String)
            {
                throw Invalid("invalid_content", $"'messages[{index}].content' parts must be objects with a 'type'.");
            }

            if (type.ValueEquals("text"u8) || type.ValueEquals("refusal"u8))
            {
                if (TextOf(part) is { Length: > 0 } text)
                {
                    WriteTextBlock(json, text, part);
                }
            }
            else if (type.ValueEquals("image_url"u8))
            {
                WriteImage(json, part, index);
            }
            else
            {
                throw Invalid("unsupported_content",
                    $"'messages[{index}].content' part type '{type.GetString()}' is not supported for provider 'anthropic'.");
            }
        }
    }

    /// <summary><c>data:</c> URLs become base64 sources, http(s) URLs URL sources (Anthropic fetches them).</summary>
    private static void WriteImage(Utf8JsonWriter json, JsonElement part, int index)
    {
        string? url = null;
        if (part.TryGetProperty("image_url", out var image))
        {
            url = image.ValueKind switch
            {
                JsonValueKind.String => image.GetString(),
                JsonValueKind.Object when image.TryGetProperty("url", out var u) && u.ValueKind == JsonValueKind.String => u.GetString(),
                _ => null,
            };
        }

        json.WriteStartObject();
        json.WriteString("type", "image");
        json.WriteStartObject("source");
        if (url is not null && url.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            var comma = url.IndexOf(',', StringComparison.Ordinal);
            var header = comma > 0 ? url.AsSpan(5, comma - 5) : default;
            if (!header.EndsWith(";base64", StringComparison.OrdinalIgnoreCase) || header.Length == ";base64".Length)
            {
                throw Invalid("invalid_image", $"'messages[{index}]': image data URLs must look like 'data:<media type>;base64,<data>'.");
            }

            json.WriteString("type", "base64");
            json.WriteString("media_type", header[..^";base64".Length]);
            json.WriteString("data", url.AsSpan(comma + 1));
        }
        else if (url is not null && Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
        {
            json.WriteString("type", "url");
            json.WriteString("url", url);
        }
        else
        {
            throw Invalid("invalid_image", $"'messages[{index}]': 'image_url.url' must be a data: URL or an http(s) URL.");
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private static void WriteTools(Utf8JsonWriter json, JsonElement root)
    {
        if (!root.TryGetProperty("tools", out var tools) || tools.ValueKind != JsonValueKind.Array || tools.GetArrayLength() == 0)
        {
            // Anthropic refuses a tool_choice without tools; without tools there is nothing to choose from.
            return;
        }

        json.WriteStartArray("tools");
        var index = 0;
        foreach (var tool in tools.EnumerateArray())
        {
            if (!IsType(tool, "function") || !tool.TryGetProperty("function", out var function) || function.ValueKind != JsonValueKind.Object
                || !function.TryGetProperty("name", out var name) || name.ValueKind != JsonValueKind.String)
            {
                throw Invalid("unsupported_tool", $"'tools[{index}]' must be a function tool with a name for provider 'anthropic'.");
            }

            json.WriteStartObject();
            json.WriteString("name", name.GetString());
            if (function.TryGetProperty("description", out var description) && description.ValueKind == JsonValueKind.String)
            {
                json.WriteString("description", description.GetString());
            }

            json.WritePropertyName("input_schema");
            if (function.TryGetProperty("parameters", out var parameters) && parameters.ValueKind == JsonValueKind.Object)
            {
                parameters.WriteTo(json);
            }
            else
            {
                // A function without parameters: Anthropic still wants an object schema.
                json.WriteStartObject();
                json.WriteString("type", "object");
                json.WriteStartObject("properties");
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndObject();
            index++;
        }

        json.WriteEndArray();
        WriteToolChoice(json, root);
    }

    private static void WriteToolChoice(Utf8JsonWriter json, JsonElement root)
    {
        var serial = root.TryGetProperty("parallel_tool_calls", out var parallel) && parallel.ValueKind == JsonValueKind.False;
        string? type = null, name = null;
        if (root.TryGetProperty("tool_choice", out var choice))
        {
            if (choice.ValueKind == JsonValueKind.String)
            {
                type = choice.GetString() switch
                {
                    "none" => "none",
                    "auto" => "auto",
                    "required" => "any",
                    var other => throw Invalid("invalid_tool_choice", $"'tool_choice' '{other}' is not one of none, auto, required."),
                };
            }
            else if (choice.ValueKind == JsonValueKind.Object)
            {
                if (!choice.TryGetProperty("function", out var function) || !function.TryGetProperty("name", out var named)
                    || named.ValueKind != JsonValueKind.String)
                {
                    throw Invalid("invalid_tool_choice", "'tool_choice' must name a function: {\"type\":\"function\",\"function\":{\"name\":...}}.");
                }

                (type, name) = ("tool", named.GetString());
            }
        }

        if (type is null && !serial)
        {
            return;
        }

        json.WriteStartObject("tool_choice");
        json.WriteString("type", type ?? "auto");
        if (name is not null)
        {
            json.WriteString("name", name);
        }

        if (serial && type != "none")
        {
            json.WriteBoolean("disable_parallel_tool_use", true);
        }

        json.WriteEndObject();
    }

    /// <summary>A text block; a part's <c>cache_control</c> (sent by clients that know Anthropic prompt caching)
    /// is kept, so OpenAI-format clients can still mark cache breakpoints.</summary>
    private static void WriteTextBlock(Utf8JsonWriter json, string text, JsonElement part)
    {
        json.WriteStartObject();
        json.WriteString("type", "text");
        json.WriteString("text", text);
        if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("cache_control", out var cacheControl)
            && cacheControl.ValueKind == JsonValueKind.Object)
        {
            json.WritePropertyName("cache_control");
            cacheControl.WriteTo(json);
        }

        json.WriteEndObject();
    }

    private static bool HasContent(JsonElement content) => content.ValueKind switch
    {
        JsonValueKind.String => content.GetString() is { Length: > 0 },
        JsonValueKind.Array => HasNonEmptyPart(content),
        _ => false,
    };

    private static bool HasNonEmptyPart(JsonElement parts)
    {
        foreach (var part in parts.EnumerateArray())
        {
            if (!(IsType(part, "text") || IsType(part, "refusal")) || TextOf(part) is { Length: > 0 })
            {
                return true;
            }
        }

        return false;
    }

    private static string? TextOf(JsonElement part) =>
        (part.TryGetProperty("text", out var text) || part.TryGetProperty("refusal", out text)) && text.ValueKind == JsonValueKind.String
            ? text.GetString()
            : null;

    private static bool IsType(JsonElement element, string type) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty("type", out var value)
        && value.ValueKind == JsonValueKind.String && value.ValueEquals(type);

    private static string Role(JsonElement message, int index) =>
        message.TryGetProperty("role", out var role) && role.ValueKind == JsonValueKind.String
            ? role.GetString()!
            : throw Invalid("invalid_messages", $"'messages[{index}]' has no 'role'.");

    private static bool IsSystem(string role) => role is "system" or "developer";

    private static GatewayErrorException Invalid(string code, string message) => new(GatewayError.InvalidBody(code, message));
}
