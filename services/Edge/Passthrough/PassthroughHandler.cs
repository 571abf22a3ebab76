using System.Buffers;
using Gateway.Edge.Errors;
using Gateway.Edge.Pipeline;
using Gateway.Edge.Providers;
using Gateway.Edge.Routing;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Gateway.Edge.Passthrough;

/// <summary>Every other <c>/v1/...</c> request (files, audio, images, batches, responses, ...): authenticated and
/// limited like the rest, then forwarded unchanged to the resolved OpenAI-wire provider (method, path after
/// <c>/v1</c>, query, body streamed with its content type, <c>OpenAI-Beta</c>), with the client's credentials replaced
/// by the provider credential; the answer is streamed back with its status (<see cref="PassthroughRelay"/>). The gateway does not
/// interpret these APIs, so it cannot retry, cache or translate them, and only bills what a JSON answer's
/// <c>usage</c> reports.</summary>
internal sealed class PassthroughHandler(GatewayPipeline pipeline, OpenAiWireRoutes routes, ProviderHttpClient http)
{
    public const string Route = "/v1/{**path}";
    private const string ApiPrefix = "/v1";
    private const string OpenAiBetaHeader = "OpenAI-Beta";

    /// <summary>The usage event names the API (first path segment), never ids further down the path.</summary>
    private static readonly SearchValues<char> EndpointChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789_-.");

    public Task HandleAsync(HttpContext context) => pipeline.RunAsync(context, EndpointName(context.Request.Path), ProcessAsync);

    private async Task<GatewayError?> ProcessAsync(GatewayRequest request)
    {
        // A raw path has no model or body the router could reason about, and an upload stream cannot be sent twice:
        // the header target only, one attempt (scopes, allowed providers and limits still apply).
        var planned = await pipeline.PlanAsync(request, useConfig: false);
        if (planned.Error is { } planError)
        {
            return planError;
        }

        var plan = planned.Value!;
        var (headers, target) = (plan.Headers, plan.HeaderTarget!);
        var httpRequest = request.Context.Request;
        // Escaped again, so a decoded '%3F' or '%23' in the client's path cannot turn into a query or fragment upstream.
        var path = httpRequest.Path.ToUriComponent()[ApiPrefix.Length..];
        var resolved = routes.Resolve(target, path, httpRequest.QueryString.Value ?? "", deploymentScoped: false,
            $"OpenAI API paths other than chat, completions and embeddings ({httpRequest.Path})");
        if (resolved.Error is { } routeProblem)
        {
            return routeProblem;
        }

        var limit = pipeline.Options.MaxRequestBodyBytes;
        if (httpRequest.ContentLength > limit)
        {
            return GatewayError.BodyTooLarge(limit);
        }

        var route = resolved.Value!;
        var content = BodyContent(request.Context, limit);
        var method = HttpMethod.Parse(httpRequest.Method);
        var response = request.Context.Response;
        var record = request.Record;
        var beta = httpRequest.Headers[OpenAiBetaHeader].ToString();
        return await pipeline.ForwardOnceAsync(request, plan, new AttemptPlan(target.Provider, "",
            cancellationToken =>
            {
                var message = route.CreateMessage(method, content);
                if (beta.Length > 0)
                {
                    // Assistants, threads and vector stores refuse requests without it.
                    message.Headers.TryAddWithoutValidation(OpenAiBetaHeader, beta);
                }

                // Relayed as it arrives, never held whole: any size may pass (files, audio).
                return OpenAiWireRoute.SendAsync(http.Client, message, headers.ForwardHeaders, long.MaxValue, cancellationToken);
            },
            (upstream, cancellationToken) => PassthroughRelay.RelayAsync(upstream, response, record, cancellationToken)));
    }

    /// <summary>The client's body as a stream (never buffered: uploads can be large), with its content headers; null
    /// for requests that cannot have one. Kestrel enforces the size limit while it streams.</summary>
    private static StreamContent? BodyContent(HttpContext context, long limit)
    {
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>() is { CanHaveBody: false })
        {
            return null;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit;
        }

        var request = context.Request;
        var content = new StreamContent(request.Body);
        if (request.Headers[HeaderNames.ContentType].ToString() is { Length: > 0 } contentType)
        {
            content.Headers.TryAddWithoutValidation(HeaderNames.ContentType, contentType);
        }

        if (request.ContentLength is { } length)
        {
            content.Headers.ContentLength = length;
        }

        return content;
    }

    /// <summary><c>/v1/files/file-abc/content</c> is recorded as <c>/v1/files</c>.</summary>
    internal static string EndpointName(PathString path)
    {
        var rest = path.Value.AsSpan(Math.Min(ApiPrefix.Length + 1, path.Value?.Length ?? 0));
        var end = rest.IndexOf('/');
        var segment = end < 0 ? rest : rest[..end];
        return segment.Length is > 0 and <= 64 && !segment.ContainsAnyExcept(EndpointChars)
            ? string.Concat(ApiPrefix, "/", segment)
            : ApiPrefix + "/*";
    }
}
