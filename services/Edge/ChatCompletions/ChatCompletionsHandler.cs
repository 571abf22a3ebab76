using Gateway.Edge.Auth;
using Gateway.Edge.Caching;
using Gateway.Edge.Errors;
using Gateway.Edge.Limits;
using Gateway.Edge.Pipeline;
using Gateway.Edge.Pricing;
using Gateway.Edge.Providers;
using Gateway.Edge.Proxy;
using Gateway.Edge.Routing;
using Gateway.Edge.Usage;

namespace Gateway.Edge.ChatCompletions;

/// <summary><c>POST /v1/chat/completions</c>: plan the route, validate the body, run the routing config (each target
/// gets the body with its overrides), relay the answer (SSE or JSON); authentication, errors and the usage event are
/// the <see cref="GatewayPipeline"/>'s. With the response cache on (<see cref="ChatResponseCache"/>) a hit is answered
/// without going upstream and a miss stores its complete answer.</summary>
internal sealed class ChatCompletionsHandler(
    GatewayPipeline pipeline,
    ProviderRegistry providers,
    ResponseCacheClient cacheClient,
    VirtualKeyResolver virtualKeys,
    IRequestAdmission admission,
    PriceCatalog prices,
    TimeProvider time)
{
    public const string Route = "/v1/chat/completions";

    private readonly ChatResponseCache _cache = new(cacheClient, virtualKeys, admission, prices, time);

    public Task HandleAsync(HttpContext context) => pipeline.RunAsync(context, Route, ProcessAsync);

    private async Task<GatewayError?> ProcessAsync(GatewayRequest request)
    {
        var planned = await pipeline.PlanAsync(request);
        if (planned.Error is { } planError)
        {
            return planError;
        }

        var plan = planned.Value!;
        if (plan.HeaderTarget is { } headerTarget && plan.Config is null && !providers.TryGet(headerTarget.Provider, out _))
        {
            // Known before the body is read: no upload for a provider that cannot answer.
            return GatewayError.UnsupportedProvider(headerTarget.Provider);
        }

        // With the other header checks: a bad cache header costs no upload and no upstream call.
        var directiveRead = ChatResponseCache.ReadDirective(request, plan);
        if (directiveRead.Error is { } directiveError)
        {
            return directiveError;
        }

        var directive = directiveRead.Value!;
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

        var clientInfo = scanned.Value!;
        var record = request.Record;
        record.Model = clientInfo.Model;
        record.Stream = clientInfo.Stream;
        var headers = plan.Headers;
        var response = request.Context.Response;
        using var lookup = await _cache.LookupAsync(request, plan, directive, body.Memory, clientInfo);
        if (lookup.IsHit)
        {
            var (served, refused) = await _cache.ServeHitAsync(request, plan, directive, lookup, clientInfo);
            if (served || refused is not null)
            {
                return refused;
            }
        }

        var collector = _cache.Collect(lookup);
        try
        {
            var error = await pipeline.ExecuteAsync(request, plan, body.Memory, call =>
            {
                if (!providers.TryGet(call.Target.Provider, out var provider))
                {
                    return GatewayError.UnsupportedProvider(call.Target.Provider);
                }

                var info = clientInfo;
                if (call.BodyOverridden)
                {
                    var rescanned = ChatRequestScanner.Scan(call.Body.Span);
                    if (rescanned.Error is { } overrideError)
                    {
                        return overrideError;
                    }

                    info = rescanned.Value!;
                }

                var chat = new ChatRequest(call.Body, info) { ForwardHeaders = headers.ForwardHeaders };
                var target = call.Target;
                return new AttemptPlan(provider.Name, info.Model,
                    cancellationToken => provider.SendAsync(chat, target, cancellationToken),
                    (upstream, cancellationToken) => upstream.IsEventStream
                        ? ResponseRelay.RelayStreamAsync(upstream, response, info.IncludeUsage, record, cancellationToken, collector?.ForStream())
                        : ResponseRelay.RelayBufferedAsync(upstream, response, record, cancellationToken,
                            collector is null ? null : collector.KeepBody));
            });
            if (error is null)
            {
                _cache.StoreIfComplete(lookup, record, collector);
            }

            return error;
        }
        finally
        {
            // Also when the stream broke or the client left: a stream cut off before its usage chunk is estimated.
            RequestText.CaptureForEstimate(record, body.Span, RequestTextKind.Chat);
        }
    }
}
