using Gateway.Edge.Errors;
using Gateway.Edge.Pipeline;
using Gateway.Edge.Providers;
using Gateway.Edge.Proxy;
using Gateway.Edge.Usage;

namespace Gateway.Edge.ChatCompletions;

/// <summary><c>POST /v1/chat/completions</c>: route the caller to a provider, validate the body, forward, relay the
/// answer (SSE or JSON); authentication, errors and the usage event are the <see cref="GatewayPipeline"/>'s.</summary>
internal sealed class ChatCompletionsHandler(GatewayPipeline pipeline, ProviderRegistry providers)
{
    public const string Route = "/v1/chat/completions";

    public Task HandleAsync(HttpContext context) => pipeline.RunAsync(context, Route, ProcessAsync);

    private async Task<GatewayError?> ProcessAsync(GatewayRequest request)
    {
        var routed = await pipeline.RouteAsync(request);
        if (routed.Error is { } routeError)
        {
            return routeError;
        }

        var (_, headers, target) = routed.Value!;
        if (!providers.TryGet(target.Provider, out var provider))
        {
            return GatewayError.UnsupportedProvider(target.Provider);
        }

        var bodyRead = await pipeline.ReadBodyAsync(request);
        if (bodyRead.Error is { } bodyError)
        {
            return bodyError;
        }

        using var body = bodyRead.Value!;
        var scanned = ChatRequestScanner.Scan(body.Span);
        if (scanned.Error is { } scanError)
        {
            return scanError;
        }

        var info = scanned.Value!;
        var record = request.Record;
        record.Model = info.Model;
        record.Stream = info.Stream;
        var chat = new ChatRequest(body.Memory, info) { ForwardHeaders = headers.ForwardHeaders };
        var response = request.Context.Response;
        try
        {
            return await pipeline.ForwardAsync(request, provider.Name, headers.Timeout,
                cancellationToken => provider.SendAsync(chat, target, cancellationToken),
                (upstream, cancellationToken) => upstream.IsEventStream
                    ? ResponseRelay.RelayStreamAsync(upstream, response, info.IncludeUsage, record, cancellationToken)
                    : ResponseRelay.RelayBufferedAsync(upstream, response, record, cancellationToken));
        }
        finally
        {
            // Also when the stream broke or the client left: a stream cut off before its usage chunk is estimated.
            RequestText.CaptureForEstimate(record, body.Span, RequestTextKind.Chat);
        }
    }
}
