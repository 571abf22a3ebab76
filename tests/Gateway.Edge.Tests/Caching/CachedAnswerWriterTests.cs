extern alias edge;

using System.Text;
using edge::Gateway.Edge.Caching;
using edge::Gateway.Edge.Pricing;
using Microsoft.AspNetCore.Http;

namespace Gateway.Edge.Tests.Caching;

public sealed class CachedAnswerWriterTests
{
    private static readonly StoredAnswer Answer = new("openai", "gpt-4o-mini-2024-07-18", new TokenUsage(9, 0, 0, 3, 0),
        DateTimeOffset.UtcNow, Encoding.UTF8.GetBytes(ChatChunks.TextCompletion));

    [Fact]
    public async Task A_non_streaming_hit_is_the_stored_completion_as_is()
    {
        var (context, body) = NewContext();

        Assert.True(await CachedAnswerWriter.WriteAsync(context.Response, Answer, stream: false, includeUsage: false, CancellationToken.None));

        Assert.Equal(200, context.Response.StatusCode);
        Assert.Equal("application/json", context.Response.ContentType);
        Assert.Equal(Answer.Completion.Length, context.Response.ContentLength);
        Assert.Equal(ChatChunks.TextCompletion, Encoding.UTF8.GetString(body.ToArray()));
    }

    [Fact]
    public async Task A_streaming_hit_is_the_replay_and_assembles_back()
    {
        var (context, body) = NewContext();

        Assert.True(await CachedAnswerWriter.WriteAsync(context.Response, Answer, stream: true, includeUsage: true, CancellationToken.None));

        Assert.Equal("text/event-stream", context.Response.ContentType);
        Assert.Equal("no-cache", context.Response.Headers.CacheControl);
        var events = Encoding.UTF8.GetString(body.ToArray())[..^2].Split("\n\n").Select(e => e["data: ".Length..]);
        Assert.Equal(ChatChunks.TextCompletion, CompletionAssemblerTests.Assemble(events));
    }

    [Fact]
    public async Task A_damaged_entry_writes_nothing_for_a_stream()
    {
        var (context, body) = NewContext();
        var damaged = Answer with { Completion = Encoding.UTF8.GetBytes("{\"not\":\"a completion\"}") };

        Assert.False(await CachedAnswerWriter.WriteAsync(context.Response, damaged, stream: true, includeUsage: true, CancellationToken.None));

        Assert.Equal(0, body.Length);
        Assert.False(context.Response.HasStarted);
    }

    [Theory]
    [InlineData(ChatChunks.TextCompletion, true)]
    [InlineData(ChatChunks.TwoChoicesCompletion, true)]
    [InlineData("""{"choices":[{"index":0,"message":{"content":"x"},"finish_reason":null}]}""", false)]
    [InlineData("""{"choices":[{"index":0,"message":{"content":"x"},"finish_reason":"stop"},{"index":1}]}""", false)]
    [InlineData("""{"choices":[]}""", false)]
    [InlineData("""{"error":{"message":"no"}}""", false)]
    [InlineData("""[1]""", false)]
    [InlineData("""{"choices":[{"finish_reason":"stop""", false)]
    public void Only_complete_completions_are_stored(string completion, bool stored)
    {
        var answer = StoredAnswer.FromCompletion("openai", "m", default, Encoding.UTF8.GetBytes(completion), DateTimeOffset.UtcNow);

        Assert.Equal(stored, answer is not null);
    }

    private static (DefaultHttpContext Context, MemoryStream Body) NewContext()
    {
        var body = new MemoryStream();
        var context = new DefaultHttpContext();
        context.Response.Body = body;
        return (context, body);
    }
}
