using Gateway.Edge.Errors;
using Gateway.Edge.Pipeline;
using Gateway.Edge.Providers;
using Gateway.Edge.Proxy;
using Gateway.Edge.Usage;

namespace Gateway.Edge.Completions;

/// <summary><c>POST /v1/completions</c> (OpenAI's legacy text completions), for OpenAI-wire providers and the mock.
/// Accounted like chat: streams ask the provider for the usage chunk (where it accepts
/// <c>stream_options.include_usage</c>), and the relay strips it again when the client did not ask.</summary>
internal sealed class CompletionsHandler(GatewayPipeline pipeline, OpenAiWireModelEndpoint endpoint)
{
    public const string Route = "/v1/completions";
    private const string Operation = "Text completions (/v1/completions)";

    public Task HandleAsync(HttpContext context) => pipeline.RunAsync(context, Route, ProcessAsync);

    private async Task<GatewayError?> ProcessAsync(GatewayRequest request)
    {
        var prepared = await endpoint.PrepareAsync(request, "/completions", Operation, "prompt");
        if (prepared.Error is { } error)
        {
            return error;
        }

        using var wire = prepared.Value!;
        var (headers, target, route, body, info) = wire;
        var record = request.Record;
        record.Model = info.Model;
        record.Stream = info.Stream;
        Func<CancellationToken, Task<UpstreamResponse>> send;
        if (route is null)
        {
            var answer = MockTextCompletion.Create(body.Span, info);
            send = _ => Task.FromResult(answer);
        }
        else
        {
            var forwarded = route.RequestsStreamUsage && info.Stream && info.IncludeUsageEdit is { } edit
                ? edit.Apply(body.Span)
                : body.Memory;
            send = endpoint.Send(route, headers, forwarded);
        }

        var response = request.Context.Response;
        try
        {
            return await pipeline.ForwardAsync(request, target.Provider, headers.Timeout, send,
                (upstream, cancellationToken) => upstream.IsEventStream
                    ? ResponseRelay.RelayStreamAsync(upstream, response, info.IncludeUsage, record, cancellationToken)
                    : ResponseRelay.RelayBufferedAsync(upstream, response, record, cancellationToken));
        }
        finally
        {
            RequestText.CaptureForEstimate(record, body.Span, RequestTextKind.Prompt);
        }
    }
}
