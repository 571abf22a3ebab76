using System.Buffers;
using System.Text;
using System.Text.Json;

namespace Gateway.Edge.Translation;

/// <summary>Anthropic's error shape, <c>{"type":"error","error":{"type","message"}}</c>, which <c>/v1/messages</c>
/// clients (the Anthropic SDKs) parse: written for gateway errors, and made from any provider's error body.</summary>
internal static class AnthropicErrorBody
{
    /// <summary>How much of a non-JSON provider error body is quoted back to the client.</summary>
    private const int MaxQuotedChars = 512;

    /// <summary>Anthropic's error type for an HTTP status, as its API documents them.</summary>
    public static string TypeFor(int status) => status switch
    {
        400 or 422 => "invalid_request_error",
        401 => "authentication_error",
        402 => "billing_error",
        403 => "permission_error",
        404 => "not_found_error",
        413 => "request_too_large",
        429 => "rate_limit_error",
        504 => "timeout_error",
        529 or 503 => "overloaded_error",
        _ => "api_error",
    };

    public static void Write(IBufferWriter<byte> output, string type, string message)
    {
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        json.WriteString("type", "error");
        json.WriteStartObject("error");
        json.WriteString("type", type);
        json.WriteString("message", message);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    /// <summary>A provider's error body in Anthropic's shape: an Anthropic error passes unchanged; an OpenAI-style
    /// <c>{"error":{"message"}}</c> keeps its message under the type the status implies; anything else (a proxy's HTML
    /// page) is quoted as the message.</summary>
    public static void FromUpstream(ReadOnlySpan<byte> body, int status, string provider, IBufferWriter<byte> output)
    {
        if (IsAnthropicError(body))
        {
            output.Write(body);
            return;
        }

        if (OpenAiErrorMessage(body) is { } message)
        {
            Write(output, TypeFor(status), message);
            return;
        }

        var text = Encoding.UTF8.GetString(body).Trim();
        if (text.Length > MaxQuotedChars)
        {
            text = text[..MaxQuotedChars];
        }

        Write(output, TypeFor(status), $"Provider '{provider}' returned HTTP {status}: {text}");
    }

    private static bool IsAnthropicError(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            var isError = false;
            var hasErrorObject = false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    isError = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("error"u8);
                }
                else if (reader.ValueTextEquals("error"u8))
                {
                    reader.Read();
                    hasErrorObject = reader.TokenType == JsonTokenType.StartObject;
                    reader.Skip();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            return isError && hasErrorObject && reader.TokenType == JsonTokenType.EndObject && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>The message of OpenAI's error envelope (also what most OpenAI-compatible servers send).</summary>
    private static string? OpenAiErrorMessage(ReadOnlySpan<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("error", out var error))
            {
                return null;
            }

            if (error.ValueKind == JsonValueKind.String)
            {
                return error.GetString();
            }

            return error.ValueKind == JsonValueKind.Object && error.TryGetProperty("message", out var message)
                   && message.ValueKind == JsonValueKind.String
                ? message.GetString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
