extern alias edge;

using System.ClientModel;
using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.ServiceDefaults.Buffers;
using edge::Gateway.Edge.Caching;
using edge::Gateway.Edge.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenAI;
using OpenAI.Chat;

namespace Gateway.Edge.Tests.Caching;

public sealed class SseReplayTests
{
    public static TheoryData<string> Completions() =>
    [
        ChatChunks.TextCompletion,
        ChatChunks.ToolCallsCompletion,
        ChatChunks.TwoChoicesCompletion,
        """{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":""},"logprobs":null,"finish_reason":"stop"}]}""",
        """{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,"reasoning_content":"Hmm.","refusal":"No.","function_call":{"name":"f","arguments":"{\u0022a\u0022:1}"}},"logprobs":null,"finish_reason":"function_call"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3},"service_tier":"default"}""",
    ];

    [Theory]
    [MemberData(nameof(Completions))]
    public void Replay_then_assemble_gives_the_stored_completion_back(string completion)
    {
        var events = Replay(completion, includeUsage: true);

        Assert.Equal(completion, CompletionAssemblerTests.Assemble(events));
    }

    [Fact]
    public void Long_text_is_split_into_a_few_chunks_without_breaking_surrogate_pairs()
    {
        // An emoji straddles the first chunk boundary.
        var text = new string('a', SseReplay.MaxPieceChars - 1) + "\U0001F600" + new string('b', SseReplay.MaxPieceChars + 10);
        var completion = CompletionJson(text);

        var events = Replay(completion, includeUsage: true);
        var contents = events.Where(e => e != "[DONE]")
            .Select(e => JsonDocument.Parse(e).RootElement.GetProperty("choices"))
            .Where(choices => choices.GetArrayLength() > 0 && choices[0].GetProperty("delta").TryGetProperty("content", out _))
            .Select(choices => choices[0].GetProperty("delta").GetProperty("content").GetString()!)
            .ToList();

        Assert.Equal(3, contents.Count);
        Assert.All(contents, piece => Assert.False(char.IsHighSurrogate(piece[^1])));
        Assert.Equal(text, string.Concat(contents));
        Assert.Equal(completion, CompletionAssemblerTests.Assemble(events));
    }

    [Fact]
    public void Stream_shape_role_first_finish_then_usage_then_done()
    {
        var events = Replay(ChatChunks.TextCompletion, includeUsage: true);

        Assert.Equal("[DONE]", events[^1]);
        var chunks = events[..^1].Select(e => JsonDocument.Parse(e).RootElement).ToList();
        Assert.All(chunks, chunk =>
        {
            Assert.Equal("chat.completion.chunk", chunk.GetProperty("object").GetString());
            Assert.Equal("chatcmpl-9", chunk.GetProperty("id").GetString());
            Assert.Equal(1700000000, chunk.GetProperty("created").GetInt64());
            Assert.Equal("gpt-4o-mini-2024-07-18", chunk.GetProperty("model").GetString());
            Assert.Equal("fp_44709d6fcb", chunk.GetProperty("system_fingerprint").GetString());
        });
        Assert.Equal("assistant", chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString());
        Assert.Equal("stop", chunks[^2].GetProperty("choices")[0].GetProperty("finish_reason").GetString());
        Assert.Equal(0, chunks[^1].GetProperty("choices").GetArrayLength());
        Assert.Equal(12, chunks[^1].GetProperty("usage").GetProperty("total_tokens").GetInt32());
        Assert.All(chunks[..^1], chunk => Assert.Equal(JsonValueKind.Null, chunk.GetProperty("usage").ValueKind));
    }

    [Fact]
    public void Without_include_usage_there_is_no_usage_at_all()
    {
        var events = Replay(ChatChunks.TextCompletion, includeUsage: false);

        Assert.Equal("[DONE]", events[^1]);
        Assert.All(events[..^1], e => Assert.False(JsonDocument.Parse(e).RootElement.TryGetProperty("usage", out _)));
        Assert.Equal("stop", JsonDocument.Parse(events[^2]).RootElement.GetProperty("choices")[0].GetProperty("finish_reason").GetString());
    }

    [Theory]
    [InlineData("[1]")]
    [InlineData("{\"no\":\"choices\"}")]
    [InlineData("garbage")]
    public void Something_that_is_not_a_completion_writes_nothing(string stored)
    {
        using var output = new PooledBufferWriter();

        Assert.False(SseReplay.TryWrite(Encoding.UTF8.GetBytes(stored), includeUsage: true, output));
        Assert.Equal(0, output.WrittenCount);
    }

    [Fact]
    public async Task The_official_OpenAI_client_reads_a_replayed_text_answer()
    {
        await using var server = await ReplayServer.StartAsync(ChatChunks.TextCompletion);
        var client = server.ChatClient();

        var text = new StringBuilder();
        ChatFinishReason? finish = null;
        ChatTokenUsage? usage = null;
        string? id = null, model = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Hi")]))
        {
            id ??= update.CompletionId;
            model ??= update.Model;
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            finish = update.FinishReason ?? finish;
            usage = update.Usage ?? usage;
        }

        Assert.Equal("Hello there, \"café\" \U0001F600!", text.ToString());
        Assert.Equal(ChatFinishReason.Stop, finish);
        Assert.Equal("chatcmpl-9", id);
        Assert.Equal("gpt-4o-mini-2024-07-18", model);
        Assert.NotNull(usage);
        Assert.Equal(9, usage.InputTokenCount);
        Assert.Equal(3, usage.OutputTokenCount);
        Assert.Equal(12, usage.TotalTokenCount);
    }

    [Fact]
    public async Task The_official_OpenAI_client_reads_replayed_tool_calls()
    {
        await using var server = await ReplayServer.StartAsync(ChatChunks.ToolCallsCompletion);
        var client = server.ChatClient();

        var calls = new SortedDictionary<int, (string? Id, string? Name, StringBuilder Arguments)>();
        ChatFinishReason? finish = null;
        await foreach (var update in client.CompleteChatStreamingAsync([new UserChatMessage("Weather and time?")]))
        {
            foreach (var call in update.ToolCallUpdates)
            {
                if (!calls.TryGetValue(call.Index, out var state))
                {
                    state = (null, null, new StringBuilder());
                }

                state = (state.Id ?? call.ToolCallId, state.Name ?? call.FunctionName, state.Arguments);
                state.Arguments.Append(call.FunctionArgumentsUpdate?.ToString());
                calls[call.Index] = state;
            }

            finish = update.FinishReason ?? finish;
        }

        Assert.Equal(ChatFinishReason.ToolCalls, finish);
        Assert.Equal(2, calls.Count);
        Assert.Equal(("call_a", "get_weather", "{\"city\":\"Paris\"}"), (calls[0].Id, calls[0].Name, calls[0].Arguments.ToString()));
        Assert.Equal(("call_b", "get_time", "{}"), (calls[1].Id, calls[1].Name, calls[1].Arguments.ToString()));
    }

    internal static List<string> Replay(string completion, bool includeUsage)
    {
        using var output = new PooledBufferWriter();
        Assert.True(SseReplay.TryWrite(Encoding.UTF8.GetBytes(completion), includeUsage, output));
        var text = Encoding.UTF8.GetString(output.WrittenSpan);

        Assert.EndsWith("\n\n", text, StringComparison.Ordinal);
        var events = text[..^2].Split("\n\n");
        Assert.All(events, e => Assert.StartsWith("data: ", e, StringComparison.Ordinal));
        Assert.All(events, e => Assert.DoesNotContain('\n', e));
        return [.. events.Select(e => e["data: ".Length..])];
    }

    private static string CompletionJson(string content)
    {
        using var output = new MemoryStream();
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            writer.WriteString("id", "x");
            writer.WriteString("object", "chat.completion");
            writer.WriteNumber("created", 1);
            writer.WriteString("model", "m");
            writer.WriteStartArray("choices");
            writer.WriteStartObject();
            writer.WriteNumber("index", 0);
            writer.WriteStartObject("message");
            writer.WriteString("role", "assistant");
            writer.WriteString("content", content);
            writer.WriteEndObject();
            writer.WriteNull("logprobs");
            writer.WriteString("finish_reason", "stop");
            writer.WriteEndObject();
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return Encoding.UTF8.GetString(output.ToArray());
    }

    /// <summary>A local endpoint that answers every chat request with the replay of one stored completion, as the
    /// Edge will on a streaming hit.</summary>
    private sealed class ReplayServer : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private ReplayServer(WebApplication app, Uri address)
        {
            _app = app;
            Address = address;
        }

        public Uri Address { get; }

        public static async Task<ReplayServer> StartAsync(string completion)
        {
            var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Testing" });
            builder.Configuration.Sources.Clear();
            builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
            builder.Logging.SetMinimumLevel(LogLevel.Warning);
            var app = builder.Build();
            var stored = Encoding.UTF8.GetBytes(completion);
            app.MapPost("/v1/chat/completions", async (HttpContext context) =>
            {
                // With the usage chunk always, so the test can check the client reads it.
                context.Response.ContentType = "text/event-stream";
                SseReplay.TryWrite(stored, includeUsage: true, context.Response.BodyWriter);
                await context.Response.BodyWriter.FlushAsync();
            });
            await app.StartAsync();
            var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            return new ReplayServer(app, new Uri(address));
        }

        public ChatClient ChatClient() =>
            new("gpt-4o-mini", new ApiKeyCredential("unused"), new OpenAIClientOptions { Endpoint = new Uri(Address, "/v1") });

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
