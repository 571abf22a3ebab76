using System.Net.Http.Headers;
using Gateway.Edge.Auth;
using Gateway.Edge.ChatCompletions;
using Gateway.Edge.Errors;
using Gateway.Edge.Http;
using Gateway.Edge.Providers;
using Gateway.Edge.Providers.Mock;

namespace Gateway.Edge.Pipeline;

/// <summary>A routed, read and scanned request to an OpenAI-wire model endpoint (see <see cref="OpenAiWireModelEndpoint"/>).
/// Disposing it returns the body's pooled buffer.</summary>
/// <param name="Route">The provider's route, or null when the built-in mock answers.</param>
internal sealed record OpenAiWireModelRequest(GatewayRequestHeaders Headers, ProviderTarget Target, OpenAiWireRoute? Route,
    RequestBody Body, ModelRequest Info) : IDisposable
{
    public void Dispose() => Body.Dispose();
}

/// <summary>What the OpenAI-wire model endpoints (<c>/v1/completions</c>, <c>/v1/embeddings</c>) share before and
/// while forwarding; each handler keeps only its mock answer, its relay and its accounting.</summary>
internal sealed class OpenAiWireModelEndpoint(GatewayPipeline pipeline, OpenAiWireRoutes routes, ProviderHttpClient http)
{
    /// <summary>Routes the request, resolves the provider's <paramref name="path"/> (none for the mock), then reads
    /// the body and scans it for <c>model</c>, <c>stream</c> and <paramref name="requiredField"/>.</summary>
    public async ValueTask<Outcome<OpenAiWireModelRequest>> PrepareAsync(GatewayRequest request, string path, string operation,
        string requiredField)
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
            // Checked before the body is read: a provider without this endpoint needs no upload.
            var resolved = routes.Resolve(target, path, "", deploymentScoped: true, operation);
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

        var body = bodyRead.Value!;
        var scanned = ModelRequestScanner.Scan(body.Span, requiredField);
        if (scanned.Error is { } scanError)
        {
            body.Dispose();
            return scanError;
        }

        return new OpenAiWireModelRequest(headers, target, route, body, scanned.Value!);
    }

    /// <summary>How to POST <paramref name="json"/> to <paramref name="route"/>, with the client's forwarded headers.</summary>
    public Func<CancellationToken, Task<UpstreamResponse>> Send(OpenAiWireRoute route, GatewayRequestHeaders headers, ReadOnlyMemory<byte> json)
    {
        var content = new ReadOnlyMemoryContent(json);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return cancellationToken => OpenAiWireRoute.SendAsync(http.Client, route.CreateMessage(HttpMethod.Post, content), headers.ForwardHeaders,
            cancellationToken);
    }
}
