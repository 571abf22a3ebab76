using Gateway.Edge.Errors;
using Gateway.Edge.Pipeline;
using Gateway.Edge.Providers;
using Gateway.Edge.Proxy;
using Gateway.Edge.Routing;
using Gateway.Edge.Usage;

namespace Gateway.Edge.Completions;

/// <summary><c>POST /v1/completions</c> (OpenAI's legacy text completions), for OpenAI-wire providers and the mock.
/// Accounted like chat: streams ask the provider for the usage chunk (where it accepts
/// <c>stream_options.include_usage</c>), and the relay strips it again when the client did not ask.</summary>
internal sealed class CompletionsHandler(GatewayPipeline pipeline, OpenAiWireModelEndpoint endpoint)
{
    public const string Route = "/v1/completions";

    private static readonly OpenAiWireEndpointSpec Spec = new("/completions", "Text completions (/v1/completions)", "prompt",
        Streams: true, RequestTextKind.Prompt);

    public Task HandleAsync(HttpContext context) => pipeline.RunAsync(context, Route,
        request => endpoint.ProcessAsync(request, Spec, (target, headers) => Attempt(request, target, headers)));

    private Outcome<AttemptPlan> Attempt(GatewayRequest request, OpenAiWireTargetCall target, Http.GatewayRequestHeaders headers)
    {
        var (call, info, route) = target;
        Func<CancellationToken, Task<UpstreamResponse>> send;
        if (route is null)
        {
            var answer = MockTextCompletion.Create(call.Body.Span, info);
            send = _ => Task.FromResult(answer);
        }
        else
        {
            var forwarded = route.RequestsStreamUsage && info.Stream && info.IncludeUsageEdit is { } edit
                ? edit.Apply(call.Body.Span)
                : call.Body;
            send = endpoint.Send(route, headers, forwarded);
        }

        var response = request.Context.Response;
        var record = request.Record;
        return new AttemptPlan(call.Target.Provider, info.Model, send,
            (upstream, cancellationToken) => upstream.IsEventStream
                ? ResponseRelay.RelayStreamAsync(upstream, response, info.IncludeUsage, record, cancellationToken)
                : ResponseRelay.RelayBufferedAsync(upstream, response, record, cancellationToken));
    }
}
