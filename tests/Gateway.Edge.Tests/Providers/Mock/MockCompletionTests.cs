extern alias edge;

using System.Buffers;
using System.Text;
using System.Text.Json;
using edge::Gateway.Edge.Providers.Mock;

namespace Gateway.Edge.Tests.Providers.Mock;

public sealed class MockCompletionTests
{
    private static readonly byte[] Body = """
        {"model":"mock-1","messages":[
          {"role":"system","content":"You are terse."},
          {"role":"user","content":[{"type":"text","text":"What is the capital"},{"type":"image_url","image_url":{"url":"x"}}]},
          {"role":"assistant","content":null},
          {"role":"user","content":"of France, please?"}]}
        """u8.ToArray();

    [Fact]
    public void Prompt_reads_messages_text_and_last_user_message()
    {
        var prompt = MockPrompt.Read(Body);

        Assert.Equal(4, prompt.Messages);
        Assert.Equal("You are terse.".Length + "What is the capital".Length + "of France, please?".Length, prompt.ContentCharacters);
        Assert.Equal(3, prompt.LastUserMessageWords);
    }

    [Fact]
    public void Usage_is_realistic_and_deterministic()
    {
        var prompt = MockPrompt.Read(Body);
        var first = new MockCompletion("mock-1", prompt);
        var second = new MockCompletion("mock-1", prompt);

        // 3 per request + 4 per message + ceil(51 chars / 4).
        Assert.Equal(3 + (4 * 4) + 13, first.PromptTokens);
        Assert.Equal((first.Answer.Length + 3) / 4, first.CompletionTokens);
        Assert.Equal(first.Answer, second.Answer);
        Assert.Contains("mock", first.Answer, StringComparison.Ordinal);
    }

    [Fact]
    public void Json_is_an_openai_chat_completion()
    {
        var completion = new MockCompletion("mock-1", MockPrompt.Read(Body));
        var output = new ArrayBufferWriter<byte>();

        completion.WriteJson(output);

        using var json = JsonDocument.Parse(output.WrittenMemory);
        var root = json.RootElement;
        Assert.Equal("chat.completion", root.GetProperty("object").GetString());
        Assert.Equal(completion.Answer, root.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString());
        Assert.Equal(completion.PromptTokens, root.GetProperty("usage").GetProperty("prompt_tokens").GetInt64());
        Assert.Equal(completion.CompletionTokens, root.GetProperty("usage").GetProperty("completion_tokens").GetInt64());
    }

    [Fact]
    public void Stream_has_role_word_chunks_finish_usage_and_done()
    {
        var completion = new MockCompletion("mock-1", MockPrompt.Read(Body));
        var output = new ArrayBufferWriter<byte>();

        completion.WriteEventStream(output);

        var events = Encoding.UTF8.GetString(output.WrittenSpan).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.All(events, e => Assert.StartsWith("data: ", e, StringComparison.Ordinal));
        Assert.Equal("data: [DONE]", events[^1]);

        var chunks = events[..^1].Select(e => JsonDocument.Parse(e["data: ".Length..]).RootElement).ToList();
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        var text = string.Concat(chunks.Skip(1).SkipLast(2).Select(c => c.GetProperty("choices")[0].GetProperty("delta").GetProperty("content").GetString()));
        Assert.Equal(completion.Answer, text);
        Assert.True(chunks.Count - 3 > 10, "one chunk per word");
        Assert.Equal("stop", chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(0, chunks[^1].GetProperty("choices").GetArrayLength());
        Assert.Equal(completion.CompletionTokens, chunks[^1].GetProperty("usage").GetProperty("completion_tokens").GetInt64());
    }
}
