extern alias edge;

using System.Buffers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using edge::Gateway.Edge.Caching;
using Gateway.Testing.Providers;

namespace Gateway.Edge.Tests.Caching;

public sealed class CompletionAssemblerTests
{
    private const int Cap = 1024 * 1024;

    [Fact]
    public void Text_stream_becomes_the_completion_with_usage()
    {
        Assert.Equal(ChatChunks.TextCompletion, Assemble(ChatChunks.Text));
    }

    [Fact]
    public void Tool_call_fragments_merge_by_index()
    {
        Assert.Equal(ChatChunks.ToolCallsCompletion, Assemble(ChatChunks.ToolCalls));
    }

    [Fact]
    public void Interleaved_choices_are_kept_apart_and_ordered()
    {
        Assert.Equal(ChatChunks.TwoChoicesCompletion, Assemble(ChatChunks.TwoChoices));
    }

    [Fact]
    public void Chunks_split_across_buffer_segments_read_the_same()
    {
        var assembler = new CompletionAssembler(Cap);
        foreach (var chunk in ChatChunks.Text)
        {
            var bytes = Encoding.UTF8.GetBytes(chunk);
            assembler.Add(TwoSegments(bytes, bytes.Length / 2));
        }

        Assert.Equal(ChatChunks.TextCompletion, Encoding.UTF8.GetString(assembler.Build()!));
    }

    [Fact]
    public void Reasoning_and_refusal_text_are_concatenated_per_field()
    {
        string[] chunks =
        [
            """{"id":"x","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","reasoning_content":"Think"}}]}""",
            """{"id":"x","created":1,"model":"m","choices":[{"index":0,"delta":{"reasoning_content":"ing."}}]}""",
            """{"id":"x","created":1,"model":"m","choices":[{"index":0,"delta":{"refusal":"No"}}]}""",
            """{"id":"x","created":1,"model":"m","choices":[{"index":0,"delta":{"refusal":"pe"},"finish_reason":"stop"}]}""",
        ];

        Assert.Equal(
            """{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,"reasoning_content":"Thinking.","refusal":"Nope"},"logprobs":null,"finish_reason":"stop"}]}""",
            Assemble(chunks));
    }

    [Fact]
    public void A_stream_cut_off_before_its_finish_reason_is_not_cached()
    {
        Assert.Null(AssembleOrNull(ChatChunks.Text[..3]));
        Assert.Null(AssembleOrNull(ChatChunks.TwoChoices[..5]));
        Assert.Null(AssembleOrNull([]));
    }

    [Theory]
    [InlineData("""{"choices":[{"index":0,"delta":{"content":"a"},"logprobs":{"content":[{"token":"a","logprob":-0.1}]}}]}""")]
    [InlineData("""{"choices":[{"index":0,"delta":{"audio":{"id":"a1","data":"AAAA"}}}]}""")]
    [InlineData("""{"choices":[{"index":0,"delta":{"annotations":[{"type":"url_citation"}]}}]}""")]
    [InlineData("""not json""")]
    [InlineData("""{"choices":[{"index":0,"delta":{"content":"a"}""")]
    public void What_cannot_be_rebuilt_exactly_is_not_cached(string chunk)
    {
        var assembler = new CompletionAssembler(Cap);

        Assert.False(assembler.Add(Encoding.UTF8.GetBytes(chunk)));
        assembler.Add(Encoding.UTF8.GetBytes("""{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"""));

        Assert.True(assembler.Unsupported);
        Assert.Null(assembler.Build());
    }

    [Fact]
    public void Empty_annotations_and_obfuscation_are_ignored()
    {
        string[] chunks =
        [
            """{"id":"x","created":1,"model":"m","obfuscation":"abc","choices":[{"index":0,"delta":{"role":"assistant","content":"hi","annotations":[],"obfuscation":"zz"}}]}""",
            """{"id":"x","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""",
        ];

        Assert.Equal(
            """{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"logprobs":null,"finish_reason":"stop"}]}""",
            Assemble(chunks));
    }

    [Fact]
    public void An_answer_past_the_size_cap_is_dropped_as_it_grows()
    {
        var assembler = new CompletionAssembler(maxBytes: 100);
        var piece = new string('x', 60);

        Assert.True(assembler.Add(Encoding.UTF8.GetBytes($$$"""{"choices":[{"index":0,"delta":{"content":"{{{piece}}}"}}]}""")));
        Assert.False(assembler.Add(Encoding.UTF8.GetBytes($$$"""{"choices":[{"index":0,"delta":{"content":"{{{piece}}}"}}]}""")));
        Assert.False(assembler.Add(Encoding.UTF8.GetBytes("""{"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}""")));

        Assert.True(assembler.TooLarge);
        Assert.Null(assembler.Build());
    }

    [Fact]
    public async Task A_fake_providers_stream_assembles_to_its_non_streaming_answer()
    {
        await using var provider = await FakeOpenAiServer.StartAsync();
        provider.Answer = "The quick brown fox jumps over the lazy dog, twice: the quick brown fox jumps over the lazy dog.";
        provider.Usage = new FakeUsage(PromptTokens: 21, CompletionTokens: 19, CachedTokens: 5);
        using var http = new HttpClient();

        var assembler = new CompletionAssembler(Cap);
        using (var streamed = await http.PostAsJsonAsync(provider.BaseUrl + "/chat/completions", Request(stream: true)))
        {
            using var events = new SseReader(await streamed.Content.ReadAsStreamAsync());
            foreach (var data in await events.ReadAllAsync())
            {
                assembler.Add(Encoding.UTF8.GetBytes(data));
            }
        }

        using var assembled = JsonDocument.Parse(assembler.Build()!);
        using var whole = JsonDocument.Parse(await (await http.PostAsJsonAsync(provider.BaseUrl + "/chat/completions", Request(stream: false))).Content.ReadAsStringAsync());
        Assert.Equal(Message(whole).GetProperty("content").GetString(), Message(assembled).GetProperty("content").GetString());
        Assert.Equal("assistant", Message(assembled).GetProperty("role").GetString());
        Assert.Equal(
            whole.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString(),
            assembled.RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(21, assembled.RootElement.GetProperty("usage").GetProperty("prompt_tokens").GetInt32());
        Assert.Equal(19, assembled.RootElement.GetProperty("usage").GetProperty("completion_tokens").GetInt32());
        Assert.Equal("chat.completion", assembled.RootElement.GetProperty("object").GetString());
    }

    internal static string Assemble(IEnumerable<string> chunks) =>
        AssembleOrNull(chunks) ?? throw new Xunit.Sdk.XunitException("The assembler built nothing.");

    private static string? AssembleOrNull(IEnumerable<string> chunks)
    {
        var assembler = new CompletionAssembler(Cap);
        foreach (var chunk in chunks)
        {
            assembler.Add(Encoding.UTF8.GetBytes(chunk));
        }

        return assembler.Build() is { } built ? Encoding.UTF8.GetString(built) : null;
    }

    private static object Request(bool stream) => new
    {
        model = "gpt-4o-mini",
        stream,
        stream_options = stream ? new { include_usage = true } : null,
        messages = new[] { new { role = "user", content = "Say it." } },
    };

    private static JsonElement Message(JsonDocument completion) => completion.RootElement.GetProperty("choices")[0].GetProperty("message");

    private static ReadOnlySequence<byte> TwoSegments(byte[] bytes, int split)
    {
        var first = new Segment(bytes.AsMemory(0, split), 0);
        var second = first.Append(bytes.AsMemory(split));
        return new ReadOnlySequence<byte>(first, 0, second, second.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
