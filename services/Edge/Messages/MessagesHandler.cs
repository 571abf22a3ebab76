using Gateway.Edge.Auth;
using Gateway.Edge.ChatCompletions;
using Gateway.Edge.Errors;
using Gateway.Edge.Http;
using Gateway.Edge.Pipeline;
using Gateway.Edge.Providers;
using Gateway.Edge.Providers.Anthropic;
using Gateway.Edge.Proxy;
using Gateway.Edge.Routing;
using Gateway.Edge.Translation;
using Gateway.Edge.Usage;

namespace Gateway.Edge.Messages;

/// <summary>Anthropic's Messages API for Anthropic-format clients: <c>POST /v1/messages</c> and
/// <c>POST /v1/messages/count_tokens</c>. The <c>anthropic</c> provider gets the body as sent (with the gateway's
/// credential and API version); every other provider gets it translated to a chat completion, and its answer
/// (JSON or SSE) translated back. Authentication, routing, limits and the usage event are the
/// <see cref="GatewayPipeline"/>'s; every error the client sees is Anthropic-shaped.</summary>
internal sealed class MessagesHandler(GatewayPipeline pipeline, ProviderRegistry providers, AnthropicNativeClient anthropic)
{
    public const string Route = "/v1/messages";
    public const string CountTokensRoute = "/v1/messages/count_tokens";

    private const string BetaHeader = "anthropic-beta";

    public Task HandleAsync(HttpContext context) => pipeline.RunAsync(context, Route, request => AnswerAsync(request, ProcessAsync));

    public Task HandleCountTokensAsync(HttpContext context) =>
        pipeline.RunAsync(context, CountTokensRoute, request => AnswerAsync(request, CountTokensAsync));

    /// <summary>Writes the handler's error in Anthropic's shape here, so the pipeline (which writes OpenAI's) never has to.</summary>
    private static async Task<GatewayError?> AnswerAsync(GatewayRequest request, Func<GatewayRequest, Task<GatewayError?>> process)
    {
        if (await process(request) is { } error)
        {
            request.Record.Fail(error.StatusCode, error.Code);
            request.Record.MarkFirstByte();
            await MessagesErrorWriter.WriteAsync(request.Context.Response, error, request.Aborted);
        }

        return null;
    }

    private async Task<GatewayError?> ProcessAsync(GatewayRequest request)
    {
        var read = await PlanAndReadAsync(request);
        if (read.Error is { } readError)
        {
            return readError;
        }

        using var call = read.Value!;
        var (plan, body, clientInfo) = call;
        var headers = plan.Headers;
        var record = request.Record;
        record.Stream = clientInfo.Stream;
        var context = request.Context;
        var beta = context.Request.Headers[BetaHeader].ToString();
        byte[]? estimateBody = null;
        try
        {
            return await pipeline.ExecuteAsync(request, plan, body.Memory, attempt =>
            {
                var info = clientInfo;
                if (attempt.BodyOverridden)
                {
                    var rescanned = MessagesRequestScanner.Scan(attempt.Body.Span);
                    if (rescanned.Error is { } overrideError)
                    {
                        return overrideError;
                    }

                    info = rescanned.Value!;
                }

                var target = attempt.Target;
                if (target.Provider == AnthropicProvider.ProviderName)
                {
                    var native = new ChatRequest(attempt.Body, new ChatRequestInfo(info.Model, info.Stream, true, null))
                    {
                        ForwardHeaders = headers.ForwardHeaders,
                    };
                    return new AttemptPlan(target.Provider, info.Model,
                        async cancellationToken => AnthropicShapedErrors(
                            await anthropic.SendAsync(native, target, countTokens: false, beta, cancellationToken), target.Provider),
                        (upstream, cancellationToken) => RelayAsync(request, upstream, target.Provider, headers.Timeout, cancellationToken));
                }

                if (!providers.TryGet(target.Provider, out var provider))
                {
                    return GatewayError.UnsupportedProvider(target.Provider);
                }

                byte[] chatBody;
                try
                {
                    chatBody = MessagesToChatRequest.Translate(attempt.Body);
                }
                catch (GatewayErrorException ex)
                {
                    return ex.Error;
                }

                var chatInfo = ChatRequestScanner.Scan(chatBody);
                if (chatInfo.Error is { } chatError)
                {
                    return chatError;
                }

                estimateBody = chatBody;
                var chat = new ChatRequest(chatBody, chatInfo.Value!) { ForwardHeaders = headers.ForwardHeaders };
                return new AttemptPlan(provider.Name, info.Model,
                    async cancellationToken => TranslateBack(await provider.SendAsync(chat, target, cancellationToken), provider.Name),
                    (upstream, cancellationToken) => RelayAsync(request, upstream, provider.Name, headers.Timeout, cancellationToken));
            });
        }
        finally
        {
            if (estimateBody is not null)
            {
                // The translated chat request holds the same text; a provider without usage is estimated from it.
                RequestText.CaptureForEstimate(record, estimateBody, RequestTextKind.Chat);
            }
        }
    }

    /// <summary>Native for <c>anthropic</c>; for any other provider a 400 (with a usage event of zero tokens), since
    /// only Anthropic can count with its own tokenizer.</summary>
    private async Task<GatewayError?> CountTokensAsync(GatewayRequest request)
    {
        var read = await PlanAndReadAsync(request);
        if (read.Error is { } readError)
        {
            return readError;
        }

        using var call = read.Value!;
        var (plan, body, info) = call;
        var headers = plan.Headers;
        var beta = request.Context.Request.Headers[BetaHeader].ToString();
        return await pipeline.ExecuteAsync(request, plan, body.Memory, attempt =>
        {
            var target = attempt.Target;
            if (target.Provider != AnthropicProvider.ProviderName)
            {
                return new GatewayError(StatusCodes.Status400BadRequest, ErrorTypes.InvalidRequest, "count_tokens_unsupported",
                    $"'{CountTokensRoute}' is only available for provider 'anthropic'; this request is routed to '{target.Provider}'.");
            }

            var native = new ChatRequest(attempt.Body, new ChatRequestInfo(info.Model, false, false, null))
            {
                ForwardHeaders = headers.ForwardHeaders,
            };
            return new AttemptPlan(target.Provider, info.Model,
                async cancellationToken => AnthropicShapedErrors(
                    await anthropic.SendAsync(native, target, countTokens: true, beta, cancellationToken), target.Provider),
                (upstream, cancellationToken) => RelayAsync(request, upstream, target.Provider, headers.Timeout, cancellationToken));
        });
    }

    /// <summary>What both endpoints start with: plan the route, read the body, scan it as a Messages request (a
    /// count_tokens body has the same shape); fills the record's model.</summary>
    private async ValueTask<Outcome<MessagesCall>> PlanAndReadAsync(GatewayRequest request)
    {
        var planned = await pipeline.PlanAsync(request);
        if (planned.Error is { } planError)
        {
            return planError;
        }

        var bodyRead = await pipeline.ReadBodyAsync(request);
        if (bodyRead.Error is { } bodyError)
        {
            return bodyError;
        }

        var body = bodyRead.Value!;
        var scanned = MessagesRequestScanner.Scan(body.Span);
        if (scanned.Error is { } scanError)
        {
            body.Dispose();
            return scanError;
        }

        request.Record.Model = scanned.Value!.Model;
        return new MessagesCall(planned.Value!, body, scanned.Value);
    }

    /// <summary>A planned, read and scanned Messages request; disposing it returns the body's pooled buffer.</summary>
    private sealed record MessagesCall(RoutingPlan Plan, RequestBody Body, MessagesRequestInfo Info) : IDisposable
    {
        public void Dispose() => Body.Dispose();
    }

    /// <summary>An OpenAI-wire answer as Anthropic's: errors reshaped, a completion or a stream translated as it is read.</summary>
    private static UpstreamResponse TranslateBack(UpstreamResponse upstream, string provider)
    {
        if (!upstream.IsSuccess)
        {
            return AnthropicShapedErrors(upstream, provider);
        }

        // The wrapper keeps the provider's rate-limit and request-id headers for the relay to copy.
        return upstream.IsEventStream
            ? upstream.WithBody(upstream.StatusCode, "text/event-stream; charset=utf-8", new ChatToMessagesEventStream(upstream.Body))
            : upstream.WithBody(upstream.StatusCode, "application/json",
                new BufferedTranslationStream(upstream.Body, ChatToMessagesResponse.Translate));
    }

    /// <summary>A provider error in Anthropic's shape (unchanged when it already is), status kept; success untouched.</summary>
    private static UpstreamResponse AnthropicShapedErrors(UpstreamResponse upstream, string provider)
    {
        if (upstream.IsSuccess)
        {
            return upstream;
        }

        var status = upstream.StatusCode;
        return upstream.WithBody(status, "application/json", new BufferedTranslationStream(upstream.Body, (body, output) =>
        {
            AnthropicErrorBody.FromUpstream(body.Span, status, provider, output);
            return null;
        }));
    }

    /// <summary>Relays SSE or JSON; a provider failing after the stream started ends it with an Anthropic
    /// <c>error</c> event (before that, the pipeline answers with the error).</summary>
    private static async Task RelayAsync(GatewayRequest request, UpstreamResponse upstream, string provider, TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var response = request.Context.Response;
        var record = request.Record;
        try
        {
            if (upstream.IsEventStream)
            {
                // Every Anthropic stream carries its usage; there is no usage-only chunk to strip.
                await ResponseRelay.RelayStreamAsync(upstream, response, forwardUsageChunk: true, record, cancellationToken);
            }
            else
            {
                await ResponseRelay.RelayBufferedAsync(upstream, response, record, cancellationToken);
            }
        }
        catch (Exception ex) when (response.HasStarted && !request.Aborted.IsCancellationRequested
                                   && ex is OperationCanceledException or IOException or HttpRequestException)
        {
            var error = ex is OperationCanceledException ? GatewayError.UpstreamTimeout(provider, timeout)
                : ex is UpstreamResponseTooLargeException tooLarge ? GatewayError.UpstreamResponseTooLarge(provider, tooLarge.Message)
                : new GatewayError(StatusCodes.Status502BadGateway, ErrorTypes.Gateway, "upstream_stream_error",
                    $"The connection to provider '{provider}' failed while the answer was being received.");
            record.FailAfterStart(error.Code);
            await MessagesErrorWriter.WriteStreamEventAsync(response, error, request.Aborted);
        }
    }
}
