using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Gateway.Testing.Providers;

/// <summary>A local stand-in for Anthropic's <c>POST /v1/messages</c> on a free loopback port, in Anthropic's wire
/// format: a JSON message, or the SSE sequence <c>message_start</c>, <c>content_block_start</c>, <c>ping</c>,
/// <c>content_block_delta</c> (text one word per event; tool input in fragments), <c>content_block_stop</c>,
/// <c>message_delta</c> (stop reason and output tokens), <c>message_stop</c>; and <c>/v1/messages/count_tokens</c>. It checks what Anthropic checks
/// (<c>x-api-key</c>, <c>anthropic-version</c>, <c>max_tokens</c>, roles) and answers Anthropic-style errors;
/// errors and delays can be injected, and every request is recorded.</summary>
public sealed class FakeAnthropicServer : IAsyncDisposable
{
    private WebApplication _app = null!; // set once started
    private readonly ConcurrentQueue<FakeRequest> _requests = new();

    private FakeAnthropicServer()
    {
    }

    /// <summary>The base URL to configure as the provider's, e.g. <c>http://127.0.0.1:1234</c> (no <c>/v1</c>, as
    /// Anthropic's own base URL).</summary>
    public string BaseUrl { get; private set; } = "";

    /// <summary>The assistant's text (streamed one word per delta); empty for no text block.</summary>
    public string Answer { get; set; } = "Hello from the fake Anthropic server.";

    /// <summary>When set, the answer also calls this tool (after the text), and stops with <c>tool_use</c>.</summary>
    public FakeToolUse? ToolUse { get; set; }

    /// <summary>The stop reason when there is no tool use.</summary>
    public string StopReason { get; set; } = "end_turn";

    /// <summary>The usage reported (<c>message_start</c> carries the input counts, <c>message_delta</c> the output).</summary>
    public FakeAnthropicUsage Usage { get; set; } = new(InputTokens: 12, OutputTokens: 7);

    /// <summary>When set, every request is answered with this error instead.</summary>
    public FakeError? Error { get; set; }

    /// <summary>What <c>/v1/messages/count_tokens</c> answers as <c>input_tokens</c>.</summary>
    public int CountedTokens { get; set; } = 42;

    /// <summary>When set, a stream sends this <c>error</c> event after its first text delta and ends.</summary>
    public string? StreamErrorType { get; set; }

    /// <summary>Wait before sending the response headers.</summary>
    public TimeSpan HeadersDelay { get; set; }

    /// <summary>Wait between stream events.</summary>
    public TimeSpan EventDelay { get; set; }

    /// <summary>Every request received so far, oldest first.</summary>
    public IReadOnlyList<FakeRequest> Requests => [.. _requests];

    public static async Task<FakeAnthropicServer> StartAsync()
    {
        var server = new FakeAnthropicServer();
        var (app, address) = await FakeServerHost.StartAsync(typeof(FakeAnthropicServer).Name, app =>
        {
            app.MapPost("/v1/messages", server.HandleAsync);
            app.MapPost("/v1/messages/count_tokens", server.HandleCountTokensAsync);
        });
        server._app = app;
        server.BaseUrl = address;
        return server;
    }

    /// <summary>Anthropic's error body: <c>{"type":"error","error":{"type","message"}}</c>.</summary>
    public static string ErrorBody(string type, string message) =>
        $$$"""{"type":"error","error":{"type":{{{FakeText.Quote(type)}}},"message":{{{FakeText.Quote(message)}}}}}""";

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
            if (HeadersDelay > TimeSpan.Zero)
            {
                await Task.Delay(HeadersDelay, context.RequestAborted);
            }

            var error = Error ?? Validate(request);
            if (error is not null)
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

            using var json = request.Json();
            var model = json.RootElement.GetProperty("model").GetString()!;
            var stream = json.RootElement.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
            var id = "msg_fake" + Guid.NewGuid().ToString("N")[..16];
            if (stream)
            {
                await StreamAsync(context, id, model);
            }
            else
            {
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(MessageJson(id, model), context.RequestAborted);
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

    /// <summary><c>POST /v1/messages/count_tokens</c>: <c>{"input_tokens":N}</c> after the same header checks.</summary>
    private async Task HandleCountTokensAsync(HttpContext context)
    {
        var request = await FakeServerHost.RecordAsync(context);
        _requests.Enqueue(request);
        var error = Error ?? ValidateHeaders(request);
        context.Response.StatusCode = error?.StatusCode ?? 200;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(error?.Body ?? "{\"input_tokens\":" + CountedTokens + "}", context.RequestAborted);
    }

    private static FakeError? ValidateHeaders(FakeRequest request)
    {
        if (!request.Headers.TryGetValue("x-api-key", out var key) || key.Length == 0)
        {
            return Invalid(401, "authentication_error", "x-api-key header is required");
        }

        return !request.Headers.TryGetValue("anthropic-version", out var version) || version.Length == 0
            ? Invalid(400, "invalid_request_error", "anthropic-version: header is required")
            : null;
    }

    /// <summary>The checks Anthropic makes that a translation could get wrong, answered as Anthropic does.</summary>
    private static FakeError? Validate(FakeRequest request)
    {
        if (ValidateHeaders(request) is { } headerError)
        {
            return headerError;
        }

        JsonDocument json;
        try
        {
            json = request.Json();
        }
        catch (JsonException)
        {
            return Invalid(400, "invalid_request_error", "The request body is not valid JSON.");
        }

        using (json)
        {
            if (json.RootElement.ValueKind != JsonValueKind.Object)
            {
                return Invalid(400, "invalid_request_error", "The request body must be a JSON object.");
            }

            var root = json.RootElement;
            if (!root.TryGetProperty("model", out var model) || model.ValueKind != JsonValueKind.String)
            {
                return Invalid(400, "invalid_request_error", "model: Field required");
            }

            if (!root.TryGetProperty("max_tokens", out var maxTokens) || maxTokens.ValueKind != JsonValueKind.Number)
            {
                return Invalid(400, "invalid_request_error", "max_tokens: Field required");
            }

            if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
            {
                return Invalid(400, "invalid_request_error", "messages: at least one message is required");
            }

            var index = 0;
            foreach (var message in messages.EnumerateArray())
            {
                var role = message.ValueKind == JsonValueKind.Object && message.TryGetProperty("role", out var r)
                    && r.ValueKind == JsonValueKind.String ? r.GetString() : null;
                if (role is not ("user" or "assistant"))
                {
                    return Invalid(400, "invalid_request_error", $"messages.{index}.role: Input should be 'user' or 'assistant'");
                }

                index++;
            }
        }

        return null;
    }

    private static FakeError Invalid(int status, string type, string message) => new(status, ErrorBody(type, message));

    private async Task StreamAsync(HttpContext context, string id, string model)
    {
        var response = context.Response;
        var cancellationToken = context.RequestAborted;
        response.ContentType = "text/event-stream; charset=utf-8";
        await response.StartAsync(cancellationToken);

        var start = $$$"""{"type":"message_start","message":{"id":"{{{id}}}","type":"message","role":"assistant","model":{{{FakeText.Quote(model)}}},"content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":{{{Usage.InputTokens}}},"cache_creation_input_tokens":{{{Usage.CacheWriteTokens}}},"cache_read_input_tokens":{{{Usage.CacheReadTokens}}},"output_tokens":1}}""" + "}";
        await SendAsync(response, "message_start", start, cancellationToken);

        var block = 0;
        if (Answer.Length > 0)
        {
            await SendAsync(response, "content_block_start",
                $$$"""{"type":"content_block_start","index":{{{block}}},"content_block":{"type":"text","text":""}}""", cancellationToken);
            await SendAsync(response, "ping", """{"type": "ping"}""", cancellationToken);
            foreach (var word in FakeText.Words(Answer))
            {
                await SendAsync(response, "content_block_delta",
                    $$$"""{"type":"content_block_delta","index":{{{block}}},"delta":{"type":"text_delta","text":{{{FakeText.Quote(word)}}}}}""", cancellationToken);
                if (StreamErrorType is { } errorType)
                {
                    await SendAsync(response, "error", ErrorBody(errorType, "The fake provider failed mid-stream."), cancellationToken);
                    return;
                }
            }

            await SendAsync(response, "content_block_stop", $$$"""{"type":"content_block_stop","index":{{{block}}}}""", cancellationToken);
            block++;
        }

        if (ToolUse is { } tool)
        {
            await SendAsync(response, "content_block_start",
                $$$"""{"type":"content_block_start","index":{{{block}}},"content_block":{"type":"tool_use","id":{{{FakeText.Quote(tool.Id)}}},"name":{{{FakeText.Quote(tool.Name)}}},"input":{}}""" + "}",
                cancellationToken);
            await SendAsync(response, "content_block_delta",
                $$$"""{"type":"content_block_delta","index":{{{block}}},"delta":{"type":"input_json_delta","partial_json":""}}""", cancellationToken);
            foreach (var fragment in Fragments(tool.InputJson, 7))
            {
                await SendAsync(response, "content_block_delta",
                    $$$"""{"type":"content_block_delta","index":{{{block}}},"delta":{"type":"input_json_delta","partial_json":{{{FakeText.Quote(fragment)}}}}}""",
                    cancellationToken);
            }

            await SendAsync(response, "content_block_stop", $$$"""{"type":"content_block_stop","index":{{{block}}}}""", cancellationToken);
        }

        await SendAsync(response, "message_delta",
            $$$"""{"type":"message_delta","delta":{"stop_reason":{{{FakeText.Quote(EffectiveStopReason)}}},"stop_sequence":null},"usage":{"output_tokens":{{{Usage.OutputTokens}}}}}""",
            cancellationToken);
        await SendAsync(response, "message_stop", """{"type":"message_stop"}""", cancellationToken);
    }

    private string EffectiveStopReason => ToolUse is null ? StopReason : "tool_use";

    private string MessageJson(string id, string model)
    {
        var content = new StringBuilder("[");
        if (Answer.Length > 0)
        {
            content.Append("{\"type\":\"text\",\"text\":").Append(FakeText.Quote(Answer)).Append('}');
        }

        if (ToolUse is { } tool)
        {
            if (Answer.Length > 0)
            {
                content.Append(',');
            }

            content.Append("{\"type\":\"tool_use\",\"id\":").Append(FakeText.Quote(tool.Id)).Append(",\"name\":").Append(FakeText.Quote(tool.Name))
                .Append(",\"input\":").Append(tool.InputJson).Append('}');
        }

        content.Append(']');
        return $$$"""{"id":"{{{id}}}","type":"message","role":"assistant","model":{{{FakeText.Quote(model)}}},"content":{{{content}}},"stop_reason":{{{FakeText.Quote(EffectiveStopReason)}}},"stop_sequence":null,"usage":{"input_tokens":{{{Usage.InputTokens}}},"cache_creation_input_tokens":{{{Usage.CacheWriteTokens}}},"cache_read_input_tokens":{{{Usage.CacheReadTokens}}},"output_tokens":{{{Usage.OutputTokens}}}}}""";
    }

    private async Task SendAsync(HttpResponse response, string eventName, string data, CancellationToken cancellationToken)
    {
        if (EventDelay > TimeSpan.Zero)
        {
            await Task.Delay(EventDelay, cancellationToken);
        }

        await response.WriteAsync("event: " + eventName + "\ndata: " + data + "\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    private static IEnumerable<string> Fragments(string text, int size)
    {
        for (var i = 0; i < text.Length; i += size)
        {
            yield return text.Substring(i, Math.Min(size, text.Length - i));
        }
    }

}

/// <summary>Anthropic's usage: input excludes cache reads and writes, which are counted apart.</summary>
public sealed record FakeAnthropicUsage(int InputTokens, int OutputTokens, int CacheReadTokens = 0, int CacheWriteTokens = 0);

/// <summary>A tool call the fake answers with; <see cref="InputJson"/> is the tool input object as JSON.</summary>
public sealed record FakeToolUse(string Id, string Name, string InputJson);
