extern alias edge;

using System.Text;
using edge::Gateway.Edge.Pricing;
using edge::Gateway.Edge.Proxy;

namespace Gateway.Edge.Tests.Proxy;

public sealed class ChunkInspectorTests
{
    [Fact]
    public void Reads_usage_with_cached_and_reasoning_tokens_as_disjoint_counts()
    {
        var info = ChunkInspector.Inspect("""
            {"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"{\"usage\":1}"}}],
             "usage":{"prompt_tokens":1000,"completion_tokens":500,"total_tokens":1500,
                      "prompt_tokens_details":{"cached_tokens":200,"audio_tokens":0},
                      "completion_tokens_details":{"reasoning_tokens":120}}}
            """u8);

        Assert.Equal(new TokenUsage(Input: 800, CachedInput: 200, CacheWrite: 0, Output: 500, Reasoning: 120), info.Usage);
        Assert.False(info.IsUsageOnly);
    }

    [Fact]
    public void Recognises_the_usage_only_stream_chunk()
    {
        var info = ChunkInspector.Inspect("""{"id":"x","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3}}"""u8);

        Assert.True(info.IsUsageOnly);
        Assert.Equal(new TokenUsage(5, 0, 0, 3, 0), info.Usage);
    }

    [Theory]
    [InlineData("""{"choices":[{"delta":{"content":"hi"}}],"usage":null}""")]
    [InlineData("""{"choices":[]}""")]
    [InlineData("[DONE]")]
    [InlineData("not json")]
    [InlineData("""{"usage":{"prompt_tokens":""")]
    public void Chunks_without_usage_carry_nothing(string json)
    {
        var info = ChunkInspector.Inspect(Encoding.UTF8.GetBytes(json));

        Assert.Null(info.Usage);
        Assert.False(info.IsUsageOnly);
    }

    [Fact]
    public void Cached_tokens_never_exceed_prompt_tokens()
    {
        var info = ChunkInspector.Inspect("""{"usage":{"prompt_tokens":10,"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":50}}}"""u8);

        Assert.Equal(new TokenUsage(0, 10, 0, 1, 0), info.Usage);
    }

    [Fact]
    public void Capture_reads_the_served_model_and_the_answer_text_of_chunks_and_completions()
    {
        var capture = new AnswerCapture();

        ChunkInspector.Inspect("""{"id":"x","model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]}"""u8, capture);
        ChunkInspector.Inspect("""{"id":"x","model":"other","choices":[{"index":0,"delta":{"content":"lo \u00e9"},"finish_reason":null}]}"""u8, capture);
        ChunkInspector.Inspect("""{"id":"x","choices":[{"index":0,"message":{"role":"assistant","content":"!"}},{"index":1,"text":"?"}]}"""u8, capture);

        Assert.Equal("gpt-4o-mini-2024-07-18", capture.ServedModel);
        Assert.Equal("Hello \u00e9!?", capture.KeptText);
    }

    [Fact]
    public void Capture_reads_the_model_of_anthropics_message_start_and_keeps_the_usage_only_flag()
    {
        var capture = new AnswerCapture();

        ChunkInspector.Inspect("""{"type":"message_start","message":{"id":"msg_1","model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":3}}}"""u8, capture);
        var info = ChunkInspector.Inspect("""{"id":"x","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":3}}"""u8, capture);

        Assert.Equal("claude-sonnet-4-5-20250929", capture.ServedModel);
        Assert.True(info.IsUsageOnly);
    }

    [Fact]
    public void Capture_that_keeps_no_text_still_reads_the_served_model_and_counts_nothing()
    {
        // A buffered answer is read once without its text; only an answer without usage is read again for it.
        var capture = new AnswerCapture { KeepsText = false };

        ChunkInspector.Inspect("""{"id":"x","model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"}}]}"""u8, capture);

        Assert.Equal("gpt-4o-mini-2024-07-18", capture.ServedModel);
        Assert.Equal("", capture.KeptText);
        Assert.Equal(0L, capture.TotalChars);

        capture.KeepsText = true;
        ChunkInspector.Inspect("""{"id":"x","model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"}}]}"""u8, capture);

        Assert.Equal("Hello", capture.KeptText);
        Assert.Equal(5L, capture.TotalChars);
    }
}
