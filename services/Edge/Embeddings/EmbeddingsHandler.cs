using System.Net.Http.Headers;
using Gateway.Edge.Errors;
using Gateway.Edge.Pipeline;
using Gateway.Edge.Providers;
using Gateway.Edge.Providers.Mock;
using Gateway.Edge.Proxy;
using Gateway.Edge.Usage;

namespace Gateway.Edge.Embeddings;

/// <summary><c>POST /v1/embeddings</c>: the client's body forwarded byte for byte to <c>{base}/embeddings</c> of an
/// OpenAI-wire provider (Azure: the deployment's), the JSON answer relayed, <c>usage.prompt_tokens</c> billed as
/// input tokens. The mock provider answers itself (<see cref="MockEmbeddings"/>).</summary>
internal sealed class EmbeddingsHandler(GatewayPipeline pipeline, OpenAiWireRoutes routes, ProviderHttpClient http)
{
    public const string Route = "/v1/embeddings";
    private const string Operation = "embeddings";

    public Task HandleAsync(HttpContext context) => pipeline.RunAsync(context, Route, ProcessAsync);

    private async Task<GatewayError?> ProcessAsync(GatewayRequest request)
    {
        var routed = await pipeline.RouteAsync(request);
        if (routed.Error is { } routeError)
        {
            return routeError;
        }

        var (_, headers, target) = routed.Value!;
        OpenAiWireRoute? route = null;
        if (target.Provider != MockProvider.ProviderName)
        {
            // Checked before the body is read: a provider without embeddings needs no upload.
            var resolved = routes.Resolve(target, "/embeddings", "", deploymentScoped: true, Operation);
            if (resolved.Error is { } routeProblem)
            {
                return routeProblem;
            }

            route = resolved.Value!;
        }

        var bodyRead = await pipeline.ReadBodyAsync(request);
        if (bodyRead.Error is { } bodyError)
        {
            return bodyError;
        }

        using var body = bodyRead.Value!;
        var scanned = ModelRequestScanner.Scan(body.Span, "input");
        if (scanned.Error is { } scanError)
        {
            return scanError;
        }

        var record = request.Record;
        record.Model = scanned.Value!.Model;
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
            var content = new ReadOnlyMemoryContent(body.Memory);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            send = cancellationToken => OpenAiWireRoute.SendAsync(http.Client, route.CreateMessage(HttpMethod.Post, content), headers.ForwardHeaders,
                cancellationToken);
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
