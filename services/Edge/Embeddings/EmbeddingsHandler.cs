using Gateway.Edge.Errors;
using Gateway.Edge.Pipeline;
using Gateway.Edge.Providers;
using Gateway.Edge.Proxy;
using Gateway.Edge.Usage;

namespace Gateway.Edge.Embeddings;

/// <summary><c>POST /v1/embeddings</c>: the client's body forwarded byte for byte to <c>{base}/embeddings</c> of an
/// OpenAI-wire provider (Azure: the deployment's), the JSON answer relayed, <c>usage.prompt_tokens</c> billed as
/// input tokens. The mock provider answers itself (<see cref="MockEmbeddings"/>).</summary>
internal sealed class EmbeddingsHandler(GatewayPipeline pipeline, OpenAiWireModelEndpoint endpoint)
{
    public const string Route = "/v1/embeddings";
    private const string Operation = "embeddings";

    public Task HandleAsync(HttpContext context) => pipeline.RunAsync(context, Route, ProcessAsync);

    private async Task<GatewayError?> ProcessAsync(GatewayRequest request)
    {
        var prepared = await endpoint.PrepareAsync(request, "/embeddings", Operation, "input");
        if (prepared.Error is { } error)
        {
            return error;
        }

        using var wire = prepared.Value!;
        var (headers, target, route, body, info) = wire;
        var record = request.Record;
        record.Model = info.Model;
        var response = request.Context.Response;
        Func<CancellationToken, Task<UpstreamResponse>> send;
        if (route is null)
        {
            var answer = MockEmbeddings.Create(body.Span, record.Model);
            if (answer.Error is { } mockError)
            {
                return mockError;
            }

            send = _ => Task.FromResult(answer.Value!);
        }
        else
        {
            send = endpoint.Send(route, headers, body.Memory);
        }

        try
        {
            return await pipeline.ForwardAsync(request, target.Provider, headers.Timeout, send,
                (upstream, cancellationToken) => ResponseRelay.RelayBufferedAsync(upstream, response, record, cancellationToken));
        }
        finally
        {
            RequestText.CaptureForEstimate(record, body.Span, RequestTextKind.Input);
        }
    }
}
