using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Testing.Providers;

/// <summary>A local stand-in for OpenAI's <c>/v1/chat/completions</c> on a free loopback port: JSON answers with
/// usage, SSE streams (role chunk, one chunk per word, finish chunk, usage chunk only when
/// <c>stream_options.include_usage</c> is true, <c>[DONE]</c>), injectable errors and delays. It records every request
/// it receives so tests can assert what reached the provider, and that nothing did.</summary>
public sealed class FakeOpenAiServer : IAsyncDisposable
{
    private WebApplication _app = null!; // set once started
    private readonly ConcurrentQueue<FakeRequest> _requests = new();
    private readonly ConcurrentQueue<FakeBehavior> _script = new();

    private FakeOpenAiServer()
    {
    }

    /// <summary>The base URL to configure as a provider's, e.g. <c>http://127.0.0.1:1234/v1</c>.</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>The assistant's answer (streamed one word per chunk).</summary>
    public string Answer { get; set; } = "Hello from the fake OpenAI server.";

    /// <summary>The usage reported in responses and in the stream's usage chunk.</summary>
    public FakeUsage Usage { get; set; } = new(PromptTokens: 12, CompletionTokens: 7);

    /// <summary>When true, a stream's finish chunk carries the usage whether or not it was asked for (as Mistral and
    /// Gemini do), instead of a separate usage chunk that only <c>stream_options.include_usage</c> produces.</summary>
    public bool UsageInFinishChunk { get; set; }

    /// <summary>When set, chat answers name this model instead of echoing the requested one (as Azure does for a
    /// deployment, or OpenAI for an alias it resolves to a dated snapshot).</summary>
    public string? ServedModel { get; set; }

    /// <summary>When false, chat answers carry no usage at all, streamed or not, whatever was asked (as some
    /// OpenAI-compatible servers do): the gateway then has to estimate.</summary>
    public bool ReportsUsage { get; set; } = true;

    /// <summary>When set, every request is answered with this error instead.</summary>
    public FakeError? Error { get; set; }

    /// <summary>Wait before sending the response headers (to provoke gateway timeouts).</summary>
    public TimeSpan HeadersDelay { get; set; }

    /// <summary>Wait after the headers, before the first chunk of a stream (a slow first token).</summary>
    public TimeSpan FirstTokenDelay { get; set; }

    /// <summary>Wait between stream chunks.</summary>
    public TimeSpan ChunkDelay { get; set; }

    /// <summary>When set, a stream stops after its first content chunk until this completes: proves that chunks reach
    /// the client as they are produced, and lets a test disconnect mid-stream.</summary>
    public TaskCompletionSource? PauseAfterFirstChunk { get; set; }

    /// <summary>When true, a stream's connection is dropped after its first content chunk (a provider crash), after
    /// <see cref="PauseAfterFirstChunk"/> if that is set too.</summary>
    public bool DropAfterFirstChunk { get; set; }

    /// <summary>Length of the vectors <c>/v1/embeddings</c> returns.</summary>
    public int EmbeddingDimensions { get; set; } = 4;

    /// <summary>Scripts how the next requests are answered, one behaviour per request in order ("first 503, then
    /// OK"); once the script is used up, requests are answered as configured above.</summary>
    public void Enqueue(params FakeBehavior[] behaviors)
    {
        foreach (var behavior in behaviors)
        {
            _script.Enqueue(behavior);
        }
    }

    /// <summary>Every request received so far, oldest first.</summary>
    public IReadOnlyList<FakeRequest> Requests => [.. _requests];

    public static async Task<FakeOpenAiServer> StartAsync()
    {
        var server = new FakeOpenAiServer();
        var (app, address) = await FakeServerHost.StartAsync(typeof(FakeOpenAiServer).Name, app =>
        {
            app.MapPost("/v1/chat/completions", server.HandleAsync);
            // Other providers' layouts (Azure's /openai/deployments/{d}/chat/completions, Groq's /openai/v1/..., Gemini's
            // /v1beta/openai/...) answer the same way; Path and QueryString record which one was called.
            app.MapPost("/{**path}", server.HandleAsync);
            app.MapPost("/v1/embeddings", server.HandleEmbeddingsAsync);
            app.MapPost("/v1/files", server.HandleFileUploadAsync);
            app.MapPost("/v1/responses", server.HandleResponsesAsync);
            app.MapMethods("/{**path}", [HttpMethods.Get, HttpMethods.Delete], server.HandleReadAsync);
        });
        server._app = app;
        server.BaseUrl = address + "/v1";
        return server;
    }

    /// <summary>Waits until at least <paramref name="count"/> requests arrived (requests may still be in flight when
    /// the gateway answers a client that went away).</summary>
    public async Task<IReadOnlyList<FakeRequest>> WaitForRequestsAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (_requests.Count < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }

        return Requests;
    }

    public async ValueTask DisposeAsync()
    {
        await FakeServerHost.StopAsync(_app);
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = await FakeServerHost.RecordAsync(context);
        _requests.Enqueue(request);

        try
        {
            var firstTokenDelay = FirstTokenDelay;
            if (_script.TryDequeue(out var behavior))
            {
                if (await ApplyAsync(context, behavior))
                {
                    return;
                }

                firstTokenDelay = behavior.Kind == FakeBehaviorKind.SlowFirstByte ? behavior.Delay : firstTokenDelay;
            }

            if (HeadersDelay > TimeSpan.Zero)
            {
                await Task.Delay(HeadersDelay, context.RequestAborted);
            }

            if (Error is { } error)
            {
                context.Response.StatusCode = error.StatusCode;
                context.Response.ContentType = error.ContentType;
                foreach (var (name, value) in error.Headers ?? new Dictionary<string, string>())
                {
                    context.Response.Headers[name] = value;
                }

                await context.Response.WriteAsync(error.Body, context.RequestAborted);
                return;
            }

            if (await RejectNonObjectAsync(context, request.Body))
            {
                return;
            }

            using var json = JsonDocument.Parse(request.Body);
            var root = json.RootElement;
            var model = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "gpt-4o-mini";
            model = ServedModel ?? model;
            var stream = root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
            var includeUsage = root.TryGetProperty("stream_options", out var o) && o.ValueKind == JsonValueKind.Object
                && o.TryGetProperty("include_usage", out var u) && u.ValueKind == JsonValueKind.True && ReportsUsage;

            if (stream)
            {
                await StreamAsync(context, model, includeUsage, firstTokenDelay);
            }
            else
            {
                if (firstTokenDelay > FirstTokenDelay)
                {
                    await Task.Delay(firstTokenDelay, context.RequestAborted);
                }

                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(CompletionJson(model), context.RequestAborted);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            request.MarkAborted();
        }
        catch (IOException) when (context.RequestAborted.IsCancellationRequested)
        {
            request.MarkAborted();
        }
    }

    /// <summary><c>POST /v1/embeddings</c>: one vector of <see cref="EmbeddingDimensions"/> per input (a string or an
    /// array), as floats or, for <c>encoding_format: base64</c>, little-endian float32 bytes; usage is
    /// <see cref="Usage"/>'s prompt tokens.</summary>
    private async Task HandleEmbeddingsAsync(HttpContext context)
    {
        var request = await RecordAsync(context);
        try
        {
            if ((_script.TryDequeue(out var behavior) && await ApplyAsync(context, behavior)) || await TryAnswerErrorAsync(context))
            {
                return;
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            request.MarkAborted();
            return;
        }

        if (await RejectNonObjectAsync(context, request.Body))
        {
            return;
        }

        using var json = JsonDocument.Parse(request.Body);
        var root = json.RootElement;
        var model = root.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "text-embedding-3-small";
        var inputs = root.TryGetProperty("input", out var i) && i.ValueKind == JsonValueKind.Array ? i.GetArrayLength() : 1;
        var base64 = root.TryGetProperty("encoding_format", out var f) && f.ValueKind == JsonValueKind.String && f.GetString() == "base64";
        var data = new StringBuilder();
        for (var index = 0; index < inputs; index++)
        {
            var vector = new float[EmbeddingDimensions];
            for (var d = 0; d < vector.Length; d++)
            {
                vector[d] = (index + 1) * 0.1f + d * 0.01f;
            }

            var embedding = base64
                ? FakeText.Quote(Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan())))
                : JsonSerializer.Serialize(vector);
            data.Append(index == 0 ? "" : ",").Append("{\"object\":\"embedding\",\"index\":").Append(index)
                .Append(",\"embedding\":").Append(embedding).Append('}');
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($$"""{"object":"list","data":[{{data}}],"model":{{FakeText.Quote(model)}},"usage":{"prompt_tokens":{{Usage.PromptTokens}},"total_tokens":{{Usage.PromptTokens}}""" + "}}",
            context.RequestAborted);
    }

    /// <summary><c>POST /v1/files</c> (multipart upload): a file object whose <c>bytes</c> is the body size received.</summary>
    private async Task HandleFileUploadAsync(HttpContext context)
    {
        var request = await RecordAsync(context);
        if (await TryAnswerErrorAsync(context))
        {
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($$"""{"id":"file-fake-1","object":"file","bytes":{{request.Body.Length}},"created_at":1700000000,"filename":"upload.jsonl","purpose":"batch"}""",
            context.RequestAborted);
    }

    /// <summary><c>POST /v1/responses</c>: a Responses API object with its own usage shape (input/output tokens).</summary>
    private async Task HandleResponsesAsync(HttpContext context)
    {
        var request = await RecordAsync(context);
        if (await TryAnswerErrorAsync(context))
        {
            return;
        }

        if (await RejectNonObjectAsync(context, request.Body))
        {
            return;
        }

        using var json = JsonDocument.Parse(request.Body);
        var model = json.RootElement.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString()! : "gpt-4o-mini";
        var usage = $$"""{"input_tokens":{{Usage.PromptTokens}},"input_tokens_details":{"cached_tokens":{{Usage.CachedTokens}}},"output_tokens":{{Usage.CompletionTokens}},"output_tokens_details":{"reasoning_tokens":{{Usage.ReasoningTokens}}},"total_tokens":{{Usage.PromptTokens + Usage.CompletionTokens}}""" + "}";
        if (json.RootElement.TryGetProperty("stream", out var stream) && stream.ValueKind == JsonValueKind.True)
        {
            // The Responses API's own event stream: usage only in response.completed, inside its response object.
            var response = context.Response;
            response.ContentType = "text/event-stream; charset=utf-8";
            await response.WriteAsync("event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_fake\",\"status\":\"in_progress\",\"model\":" + FakeText.Quote(model) + ",\"usage\":null}}\n\n", context.RequestAborted);
            foreach (var word in FakeText.Words(Answer))
            {
                await response.WriteAsync("event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":" + FakeText.Quote(word) + "}\n\n", context.RequestAborted);
                await response.Body.FlushAsync(context.RequestAborted);
            }

            await response.WriteAsync("event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_fake\",\"status\":\"completed\",\"model\":" + FakeText.Quote(model) + ",\"usage\":" + usage + "}}\n\n", context.RequestAborted);
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($$"""{"id":"resp_fake","object":"response","created_at":1700000000,"status":"completed","model":{{FakeText.Quote(model)}},"output":[{"type":"message","role":"assistant","content":[{"type":"output_text","text":{{FakeText.Quote(Answer)}}}]}],"usage":{"input_tokens":{{Usage.PromptTokens}},"input_tokens_details":{"cached_tokens":{{Usage.CachedTokens}}},"output_tokens":{{Usage.CompletionTokens}},"output_tokens_details":{"reasoning_tokens":{{Usage.ReasoningTokens}}},"total_tokens":{{Usage.PromptTokens + Usage.CompletionTokens}}""" + "}}",
            context.RequestAborted);
    }

    /// <summary>Any GET or DELETE (model lists, file retrieval, ...): a JSON echo of what was asked.</summary>
    private async Task HandleReadAsync(HttpContext context)
    {
        var request = await RecordAsync(context);
        if (await TryAnswerErrorAsync(context))
        {
            return;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync($$"""{"object":"list","data":[],"method":{{FakeText.Quote(context.Request.Method)}},"path":{{FakeText.Quote(request.Path)}},"query":{{FakeText.Quote(request.QueryString)}}}""",
            context.RequestAborted);
    }

    /// <summary>Answers with a scripted behaviour; false when the request should still get the normal answer
    /// (<see cref="FakeBehaviorKind.Ok"/>, or a slow first byte the caller applies).</summary>
    private static async Task<bool> ApplyAsync(HttpContext context, FakeBehavior behavior)
    {
        var response = context.Response;
        switch (behavior.Kind)
        {
            case FakeBehaviorKind.Error:
                var error = behavior.Error!;
                response.StatusCode = error.StatusCode;
                response.ContentType = error.ContentType;
                foreach (var (name, value) in error.Headers ?? new Dictionary<string, string>())
                {
                    response.Headers[name] = value;
                }

                await response.WriteAsync(error.Body, context.RequestAborted);
                return true;
            case FakeBehaviorKind.Hang:
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
                return true;
            case FakeBehaviorKind.Reset:
                context.Abort();
                return true;
            case FakeBehaviorKind.Garbage:
                response.ContentType = "application/json";
                await response.WriteAsync("{\"choices\": [ this is not json", context.RequestAborted);
                return true;
            case FakeBehaviorKind.RawStream:
                response.ContentType = behavior.ContentType;
                await response.StartAsync(context.RequestAborted);
                foreach (var part in behavior.Parts)
                {
                    await response.Body.WriteAsync(part, context.RequestAborted);
                    await response.Body.FlushAsync(context.RequestAborted);
                }

                return true;
            case FakeBehaviorKind.StreamDiesBeforeFirstEvent:
                response.ContentType = "text/event-stream; charset=utf-8";
                await response.StartAsync(context.RequestAborted);
                await response.Body.FlushAsync(context.RequestAborted);
                await Task.Delay(50, context.RequestAborted);
                context.Abort();
                return true;
            default:
                return false;
        }
    }

    /// <summary>A body that is not one JSON object gets OpenAI's 400, as a client mistake the gateway passed on
    /// unread (passthrough) must not look like a provider crash.</summary>
    private static async Task<bool> RejectNonObjectAsync(HttpContext context, byte[] body)
    {
        if (IsReadableObject(body))
        {
            return false;
        }

        context.Response.StatusCode = StatusCodes.Status400BadRequest;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync("""{"error":{"message":"We could not parse the JSON body of your request.","type":"invalid_request_error","code":"invalid_json"}}""",
            context.RequestAborted);
        return true;
    }

    /// <summary>One JSON object (depth ≤ 64) whose every string decodes (no invalid UTF-8, no lone surrogate escape).</summary>
    private static bool IsReadableObject(byte[] body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            if (!System.Text.Unicode.Utf8.IsValid(body) || !reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName)
                {
                    reader.GetString();
                }
            }

            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return false;
        }
    }

    private async Task<FakeRequest> RecordAsync(HttpContext context)
    {
        var request = await FakeServerHost.RecordAsync(context);
        _requests.Enqueue(request);
        return request;
    }

    private async Task<bool> TryAnswerErrorAsync(HttpContext context)
    {
        if (Error is not { } error)
        {
            return false;
        }

        context.Response.StatusCode = error.StatusCode;
        context.Response.ContentType = error.ContentType;
        await context.Response.WriteAsync(error.Body, context.RequestAborted);
        return true;
    }

    private async Task StreamAsync(HttpContext context, string model, bool includeUsage, TimeSpan firstTokenDelay)
    {
        var response = context.Response;
        var cancellationToken = context.RequestAborted;
        response.ContentType = "text/event-stream; charset=utf-8";
        await response.StartAsync(cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
        if (firstTokenDelay > TimeSpan.Zero)
        {
            await Task.Delay(firstTokenDelay, cancellationToken);
        }

        var id = "chatcmpl-fake-" + Guid.NewGuid().ToString("N")[..12];
        var usageNull = includeUsage ? ",\"usage\":null" : "";
        await SendAsync(response, Chunk(id, model, """[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]""", usageNull), cancellationToken);
        var sent = 0;
        foreach (var word in FakeText.Words(Answer))
        {
            if (sent++ == 1)
            {
                if (PauseAfterFirstChunk is { } pause)
                {
                    await pause.Task.WaitAsync(cancellationToken);
                }

                if (DropAfterFirstChunk)
                {
                    context.Abort();
                    return;
                }
            }

            if (ChunkDelay > TimeSpan.Zero)
            {
                await Task.Delay(ChunkDelay, cancellationToken);
            }

            var choices = "[{\"index\":0,\"delta\":{\"content\":" + FakeText.Quote(word) + "},\"finish_reason\":null}]";
            await SendAsync(response, Chunk(id, model, choices, usageNull), cancellationToken);
        }

        var finishTail = UsageInFinishChunk && ReportsUsage ? ",\"usage\":" + UsageJson() : usageNull;
        await SendAsync(response, Chunk(id, model, """[{"index":0,"delta":{},"finish_reason":"stop"}]""", finishTail), cancellationToken);
        if (includeUsage)
        {
            await SendAsync(response, Chunk(id, model, "[]", ",\"usage\":" + UsageJson()), cancellationToken);
        }

        await SendAsync(response, "[DONE]", cancellationToken);
    }

    private static string Chunk(string id, string model, string choices, string tail) =>
        "{\"id\":\"" + id + "\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":" + FakeText.Quote(model)
        + ",\"choices\":" + choices + tail + "}";

    private string CompletionJson(string model) =>
        $$"""{"id":"chatcmpl-fake-{{Guid.NewGuid():N}}","object":"chat.completion","created":1700000000,"model":{{FakeText.Quote(model)}},"choices":[{"index":0,"message":{"role":"assistant","content":{{FakeText.Quote(Answer)}}},"finish_reason":"stop"}]{{(ReportsUsage ? ",\"usage\":" + UsageJson() : "")}}}""";

    private string UsageJson() =>
        $$"""{"prompt_tokens":{{Usage.PromptTokens}},"completion_tokens":{{Usage.CompletionTokens}},"total_tokens":{{Usage.PromptTokens + Usage.CompletionTokens}},"prompt_tokens_details":{"cached_tokens":{{Usage.CachedTokens}}},"completion_tokens_details":{"reasoning_tokens":{{Usage.ReasoningTokens}}""" + "}}";

    private static async Task SendAsync(HttpResponse response, string data, CancellationToken cancellationToken)
    {
        await response.WriteAsync("data: " + data + "\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

}

/// <summary>What a scripted request gets (see <see cref="FakeOpenAiServer.Enqueue"/>).</summary>
public enum FakeBehaviorKind
{
    /// <summary>The normal answer.</summary>
    Ok,

    /// <summary>An error status with body and headers.</summary>
    Error,

    /// <summary>No answer at all until the caller gives up.</summary>
    Hang,

    /// <summary>The connection is dropped before any response.</summary>
    Reset,

    /// <summary>The normal answer, but a stream's first event (a JSON answer's headers) comes after a delay.</summary>
    SlowFirstByte,

    /// <summary>200 with a body that is not JSON.</summary>
    Garbage,

    /// <summary>SSE headers, then the connection is dropped before the first event.</summary>
    StreamDiesBeforeFirstEvent,

    /// <summary>200 with the given bytes, each part written and flushed on its own (a malformed or oddly split stream).</summary>
    RawStream,
}

/// <summary>One scripted answer.</summary>
public sealed record FakeBehavior(FakeBehaviorKind Kind, FakeError? Error = null, TimeSpan Delay = default)
{
    public static FakeBehavior Ok { get; } = new(FakeBehaviorKind.Ok);

    public static FakeBehavior Hang { get; } = new(FakeBehaviorKind.Hang);

    public static FakeBehavior Reset { get; } = new(FakeBehaviorKind.Reset);

    public static FakeBehavior Garbage { get; } = new(FakeBehaviorKind.Garbage);

    public static FakeBehavior StreamDiesBeforeFirstEvent { get; } = new(FakeBehaviorKind.StreamDiesBeforeFirstEvent);

    /// <summary>The parts of a <see cref="FakeBehaviorKind.RawStream"/> answer, in order.</summary>
    public IReadOnlyList<byte[]> Parts { get; init; } = [];

    /// <summary>The content type of a <see cref="FakeBehaviorKind.RawStream"/> answer.</summary>
    public string ContentType { get; init; } = "text/event-stream";

    /// <summary>200 with exactly these bytes, each part flushed separately (split anywhere, even inside a character).</summary>
    public static FakeBehavior RawStream(string contentType, params byte[][] parts) =>
        new(FakeBehaviorKind.RawStream) { Parts = parts, ContentType = contentType };

    public static FakeBehavior Status(int statusCode, string? body = null, IReadOnlyDictionary<string, string>? headers = null) =>
        new(FakeBehaviorKind.Error, new FakeError(statusCode,
            body ?? "{\"error\":{\"message\":\"scripted " + statusCode.ToString(System.Globalization.CultureInfo.InvariantCulture)
                    + "\",\"type\":\"server_error\",\"code\":\"scripted\"}}", Headers: headers));

    /// <summary>429 with <c>Retry-After</c> in whole seconds.</summary>
    public static FakeBehavior RateLimited(int retryAfterSeconds) => Status(429,
        """{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}""",
        new Dictionary<string, string> { ["retry-after"] = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) });

    public static FakeBehavior SlowFirstByte(TimeSpan delay) => new(FakeBehaviorKind.SlowFirstByte, Delay: delay);
}

/// <summary>Token counts the fake reports (prompt includes cached, completion includes reasoning, as OpenAI does).</summary>
public sealed record FakeUsage(int PromptTokens, int CompletionTokens, int CachedTokens = 0, int ReasoningTokens = 0);

/// <summary>An injected failure: status, body, content type and extra headers (e.g. retry-after).</summary>
public sealed record FakeError(int StatusCode, string Body, string ContentType = "application/json",
    IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>One request as the fake provider received it.</summary>
public sealed class FakeRequest(string path, IReadOnlyDictionary<string, string> headers, byte[] body, string queryString = "")
{
    private volatile bool _aborted;

    public string Path { get; } = path;

    /// <summary>The query string as received, with its leading '?' (empty when there was none).</summary>
    public string QueryString { get; } = queryString;

    public IReadOnlyDictionary<string, string> Headers { get; } = headers;

    public byte[] Body { get; } = body;

    /// <summary>When the fake had read the request (for measuring gaps between retries).</summary>
    public DateTimeOffset ReceivedAt { get; } = DateTimeOffset.UtcNow;

    public string BodyText => Encoding.UTF8.GetString(Body);

    /// <summary>True when the caller cancelled the request while the fake was still answering.</summary>
    public bool Aborted => _aborted;

    public JsonDocument Json() => JsonDocument.Parse(Body);

    internal void MarkAborted() => _aborted = true;
}
