using Gateway.Edge.Errors;
using Gateway.Edge.Pipeline;
using Gateway.Edge.Providers;
using Gateway.Edge.Proxy;
using Gateway.Edge.Routing;
using Gateway.Edge.Usage;

namespace Gateway.Edge.Embeddings;

/// <summary><c>POST /v1/embeddings</c>: the client's body forwarded byte for byte (unless a routing target
/// overrides fields) to <c>{base}/embeddings</c> of an OpenAI-wire provider (Azure: the deployment's), the JSON
/// answer relayed, <c>usage.prompt_tokens</c> billed as input tokens. The mock provider answers itself
/// (<see cref="MockEmbeddings"/>).</summary>
internal sealed class EmbeddingsHandler(GatewayPipeline pipeline, OpenAiWireModelEndpoint endpoint)
{
    public const string Route = "/v1/embeddings";

    private static readonly OpenAiWireEndpointSpec Spec = new("/embeddings", "embeddings", "input", Streams: false,
        RequestTextKind.Input);

    public Task HandleAsync(HttpContext context) => pipeline.RunAsync(context, Route,
        request => endpoint.ProcessAsync(request, Spec, (target, headers) => Attempt(request, target, headers)));

    private Outcome<AttemptPlan> Attempt(GatewayRequest request, OpenAiWireTargetCall target, Http.GatewayRequestHeaders headers)
    {
        var (call, info, route) = target;
        Func<CancellationToken, Task<UpstreamResponse>> send;
        if (route is null)
        {
            var answer = MockEmbeddings.Create(call.Body.Span, info.Model);
            if (answer.Error is { } mockError)
            {
                return mockError;
            }

            send = _ => Task.FromResult(answer.Value!);
        }
        else
        {
            send = endpoint.Send(route, headers, call.Body);
        }

        var response = request.Context.Response;
        var record = request.Record;
        return new AttemptPlan(call.Target.Provider, info.Model, send,
            (upstream, cancellationToken) => ResponseRelay.RelayBufferedAsync(upstream, response, record, cancellationToken));
    }
}
