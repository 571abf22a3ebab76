using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Gateway.Edge.Providers.Mock;

/// <summary>The mock provider's answer for one request, written in OpenAI's wire format (a JSON completion, or SSE
/// chunks: role, one chunk per word, finish, usage, [DONE]). Same request, same answer and token counts.</summary>
internal sealed class MockCompletion
{
    /// <summary>Tokens a chat format adds per message and once per request (role markers, priming).</summary>
    private const int TokensPerMessage = 4;
    private const int TokensPerRequest = 3;

    private readonly string _id = "chatcmpl-mock-" + Guid.NewGuid().ToString("N")[..24];
    private readonly long _created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private readonly string _model;

    public MockCompletion(string model, MockPrompt prompt)
    {
        _model = model;
        Answer = string.Create(CultureInfo.InvariantCulture,
            $"This is a reply from the gateway's built-in mock provider for model {model}. It is not a real model; " +
            $"use it for demos and load tests. Your last message had {prompt.LastUserMessageWords} words.");
        PromptTokens = TokensPerRequest + (prompt.Messages * TokensPerMessage) + EstimateTokens(prompt.ContentCharacters);
        CompletionTokens = EstimateTokens(Answer.Length);
    }

    public string Answer { get; }

    public long PromptTokens { get; }

    public long CompletionTokens { get; }

    /// <summary>About four characters per token, as for English text with OpenAI's tokenizers.</summary>
    public static long EstimateTokens(long characters) => (characters + 3) / 4;

    public void WriteJson(IBufferWriter<byte> output)
    {
        using var json = new Utf8JsonWriter(output);
        json.WriteStartObject();
        WriteHeader(json, "chat.completion");
        json.WriteStartArray("choices");
        json.WriteStartObject();
        json.WriteNumber("index", 0);
        json.WriteStartObject("message");
        json.WriteString("role", "assistant");
        json.WriteString("content", Answer);
        json.WriteEndObject();
        json.WriteString("finish_reason", "stop");
        json.WriteEndObject();
        json.WriteEndArray();
        WriteUsage(json);
        json.WriteEndObject();
    }

    public void WriteEventStream(IBufferWriter<byte> output)
    {
        WriteChunk(output, role: "assistant", content: "", finishReason: null);
        var words = Answer.AsSpan();
        while (!words.IsEmpty)
        {
            // One word and the space after it per chunk, as token streams look.
            var next = words.IndexOf(' ');
            var length = next < 0 ? words.Length : next + 1;
            WriteChunk(output, role: null, content: words[..length].ToString(), finishReason: null);
            words = words[length..];
        }

        WriteChunk(output, role: null, content: null, finishReason: "stop");
        WriteEvent(output, json =>
        {
            json.WriteStartObject();
            WriteHeader(json, "chat.completion.chunk");
            json.WriteStartArray("choices");
            json.WriteEndArray();
            WriteUsage(json);
            json.WriteEndObject();
        });
        output.Write("data: [DONE]\n\n"u8);
    }

    private void WriteChunk(IBufferWriter<byte> output, string? role, string? content, string? finishReason) =>
        WriteEvent(output, json =>
        {
            json.WriteStartObject();
            WriteHeader(json, "chat.completion.chunk");
            json.WriteStartArray("choices");
            json.WriteStartObject();
            json.WriteNumber("index", 0);
            json.WriteStartObject("delta");
            if (role is not null)
            {
                json.WriteString("role", role);
            }

            if (content is not null)
            {
                json.WriteString("content", content);
            }

            json.WriteEndObject();
            if (finishReason is null)
            {
                json.WriteNull("finish_reason");
            }
            else
            {
                json.WriteString("finish_reason", finishReason);
            }

            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
        });

    private static void WriteEvent(IBufferWriter<byte> output, Action<Utf8JsonWriter> write)
    {
        output.Write("data: "u8);
        using (var json = new Utf8JsonWriter(output))
        {
            write(json);
        }

        output.Write("\n\n"u8);
    }

    private void WriteHeader(Utf8JsonWriter json, string type)
    {
        json.WriteString("id", _id);
        json.WriteString("object", type);
        json.WriteNumber("created", _created);
        json.WriteString("model", _model);
    }

    private void WriteUsage(Utf8JsonWriter json)
    {
        json.WriteStartObject("usage");
        json.WriteNumber("prompt_tokens", PromptTokens);
        json.WriteNumber("completion_tokens", CompletionTokens);
        json.WriteNumber("total_tokens", PromptTokens + CompletionTokens);
        json.WriteStartObject("prompt_tokens_details");
        json.WriteNumber("cached_tokens", 0);
        json.WriteEndObject();
        json.WriteStartObject("completion_tokens_details");
        json.WriteNumber("reasoning_tokens", 0);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
