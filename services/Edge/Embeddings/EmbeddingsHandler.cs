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
    private const string Operation = "embeddings";
    private const string Path = "/embeddings";
    private const string RequiredField = "input";

    public Task HandleAsync(HttpContext context) => pipeline.RunAsync(context, Route, ProcessAsync);

    private async Task<GatewayError?> ProcessAsync(GatewayRequest request)
    {
        var prepared = await endpoint.PrepareAsync(request, Path, Operation, RequiredField);
        if (prepared.Error is { } error)
        {
            return error;
        }

        using var wire = prepared.Value!;
        var record = request.Record;
        record.Model = wire.Info.Model;
        var headers = wire.Plan.Headers;
        var response = request.Context.Response;
        try
        {
            return await endpoint.ExecuteAsync(request, wire, Path, Operation, RequiredField, target =>
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

                return new AttemptPlan(call.Target.Provider, info.Model, send,
                    (upstream, cancellationToken) => ResponseRelay.RelayBufferedAsync(upstream, response, record, cancellationToken));
            });
        }
        finally
        {
            RequestText.CaptureForEstimate(record, wire.Body.Span, RequestTextKind.Input);
        }
    }
}
