using System.Buffers;
using System.Text.Json;
using Gateway.Edge.Pipeline;
using Gateway.Edge.Providers;
using Gateway.Edge.Providers.Mock;

namespace Gateway.Edge.Completions;

/// <summary>The mock provider's legacy text completion: a fixed answer in OpenAI's <c>text_completion</c> format, as
/// JSON or as SSE (one chunk per word, a finish chunk, a usage-only chunk, <c>[DONE]</c>), with usage estimated
/// from the prompt's characters. The relay drops the usage chunk unless the client asked for it.</summary>
internal static class MockTextCompletion
{
    private const string Answer = "This is a text completion from the gateway's built-in mock provider. It is not a real model.";

    public static UpstreamResponse Create(ReadOnlySpan<byte> body, ModelRequest request)
    {
        var promptTokens = Math.Max(MockCompletion.EstimateTokens(PromptCharacters(body)), 1);
        var completionTokens = MockCompletion.EstimateTokens(Answer.Length);
        var header = new Header("cmpl-mock-" + Guid.NewGuid().ToString("N")[..24], DateTimeOffset.UtcNow.ToUnixTimeSeconds(), request.Model);
        var output = new ArrayBufferWriter<byte>(1024);
        if (request.Stream)
        {
            var words = Answer.AsSpan();
            while (!words.IsEmpty)
            {
                var next = words.IndexOf(' ');
                var length = next < 0 ? words.Length : next + 1;
                WriteEvent(output, header, words[..length].ToString(), null, null);
                words = words[length..];
            }

            WriteEvent(output, header, "", "stop", null);
            WriteEvent(output, header, null, null, (promptTokens, completionTokens));
            output.Write("data: [DONE]\n\n"u8);
        }
        else
        {
            using var json = new Utf8JsonWriter(output);
            Write(json, header, Answer, "stop", (promptTokens, completionTokens));
        }

        var contentType = request.Stream ? "text/event-stream; charset=utf-8" : "application/json";
        return new UpstreamResponse(StatusCodes.Status200OK, contentType, new MemoryStream(output.WrittenMemory.ToArray(), writable: false),
            MockProvider.ProviderName);
    }

    private static void WriteEvent(IBufferWriter<byte> output, Header header, string? text, string? finishReason, (long, long)? usage)
    {
        output.Write("data: "u8);
        using (var json = new Utf8JsonWriter(output))
        {
            Write(json, header, text, finishReason, usage);
        }

        output.Write("\n\n"u8);
    }

    /// <summary>A completion or chunk; <paramref name="text"/> null writes the usage-only chunk (<c>"choices":[]</c>).</summary>
    private static void Write(Utf8JsonWriter json, Header header, string? text, string? finishReason, (long Prompt, long Completion)? usage)
    {
        json.WriteStartObject();
        json.WriteString("id", header.Id);
        json.WriteString("object", "text_completion");
        json.WriteNumber("created", header.Created);
        json.WriteString("model", header.Model);
        json.WriteStartArray("choices");
        if (text is not null)
        {
            json.WriteStartObject();
            json.WriteString("text", text);
            json.WriteNumber("index", 0);
            json.WriteNull("logprobs");
            if (finishReason is null)
            {
                json.WriteNull("finish_reason");
            }
            else
            {
                json.WriteString("finish_reason", finishReason);
            }

            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (usage is { } counts)
        {
            json.WriteStartObject("usage");
            json.WriteNumber("prompt_tokens", counts.Prompt);
            json.WriteNumber("completion_tokens", counts.Completion);
            json.WriteNumber("total_tokens", counts.Prompt + counts.Completion);
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }

    /// <summary>Characters of the prompt: a string or an array of strings (token-id prompts count one per id).</summary>
    private static long PromptCharacters(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var isPrompt = reader.ValueTextEquals("prompt"u8);
            reader.Read();
            if (!isPrompt)
            {
                reader.Skip();
                continue;
            }

            if (reader.TokenType == JsonTokenType.String)
            {
                return reader.GetString()!.Length;
            }

            long characters = 0;
            var depth = reader.CurrentDepth;
            while (reader.Read() && reader.CurrentDepth > depth)
            {
                characters += reader.TokenType switch
                {
                    JsonTokenType.String => reader.GetString()!.Length,
                    JsonTokenType.Number => 4,
                    _ => 0,
                };
            }

            return characters;
        }

        return 0;
    }

    private sealed record Header(string Id, long Created, string Model);
}
