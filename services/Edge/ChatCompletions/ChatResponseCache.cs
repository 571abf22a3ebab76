using Gateway.Edge.Auth;
using Gateway.Edge.Caching;
using Gateway.Edge.Errors;
using Gateway.Edge.Limits;
using Gateway.Edge.Pipeline;
using Gateway.Edge.Pricing;
using Gateway.Edge.Routing;

namespace Gateway.Edge.ChatCompletions;

/// <summary>The response cache on the chat completion path: the request's directive, its key, serving a hit, and
/// storing a miss's complete answer. See <see cref="ResponseCacheClient"/> for fail-open and coalescing.
/// <para>A hit still counts as a request for the requests-per-minute limits (it goes through admission with a zero
/// estimate, so it is refused like any request over the rate limit or an exhausted budget) and settles at zero cost
/// and zero tokens; it bills nothing and records the price of the stored tokens as its saved cost.</para></summary>
internal sealed class ChatResponseCache(
    ResponseCacheClient cache,
    VirtualKeyResolver virtualKeys,
    IRequestAdmission admission,
    PriceCatalog prices,
    TimeProvider time)
{
    /// <summary>Response header naming the entry, so an operator can purge exactly it (<c>gatewayctl cache purge --key</c>).</summary>
    public const string KeyHeader = "x-gateway-cache-key";

    /// <summary>The request's cache directive from its headers, its routing config's cache block and its tenant policy.</summary>
    public static Outcome<CacheDirective> ReadDirective(GatewayRequest request, RoutingPlan plan)
    {
        var configCache = plan.Config?.Root.Cache;
        return CacheDirective.Read(request.Context.Request.Headers,
            CacheLevel.FromConfig(configCache is not null, configCache?.MaxAgeSeconds),
            CacheLevel.FromPolicy(plan.Policy.CacheEnabled, plan.Policy.CacheMaxAge));
    }

    /// <summary>Looks the request up (a disabled lookup when the directive is off or no key can be computed) and sets
    /// the cache response headers. Dispose the result when the request is done.</summary>
    public async ValueTask<CacheLookup> LookupAsync(GatewayRequest request, RoutingPlan plan, CacheDirective directive,
        ReadOnlyMemory<byte> body, ChatRequestInfo info)
    {
        if (!directive.IsOn || await ComputeKeyAsync(request, plan, body, info) is not { } key)
        {
            return CacheLookup.Disabled;
        }

        var lookup = await cache.LookupAsync(plan.Caller.TenantId, directive, key, request.Aborted);
        var headers = request.Context.Response.Headers;
        directive.WriteStatus(headers, lookup.Status);
        headers[KeyHeader] = key;
        request.Record.CacheStatus = CacheDirective.StatusText(lookup.Status);
        return lookup;
    }

    /// <summary>Answers from the hit. Served false when the stored entry cannot be replayed (then the request is a
    /// miss and goes upstream); an error when admission refuses the request.</summary>
    public async Task<(bool Served, GatewayError? Error)> ServeHitAsync(GatewayRequest request, RoutingPlan plan,
        CacheDirective directive, CacheLookup lookup, ChatRequestInfo info)
    {
        var answer = lookup.Answer!;
        var record = request.Record;
        var response = request.Context.Response;
        if (record.Admission is null)
        {
            var admitted = await admission.AdmitAsync(new AdmissionRequest(plan.Caller, answer.Provider, info.Model, 0, 0), request.Aborted);
            foreach (var (name, value) in admitted.Value?.Headers ?? [])
            {
                response.Headers[name] = value;
            }

            if (admitted.Error is { } refused)
            {
                return (false, refused);
            }

            record.Admission = admitted.Value;
        }

        if (!await CachedAnswerWriter.WriteAsync(response, answer, info.Stream, info.IncludeUsage, request.Aborted))
        {
            directive.WriteStatus(response.Headers, CacheStatus.Miss);
            record.CacheStatus = CacheDirective.StatusText(CacheStatus.Miss);
            return (false, null);
        }

        record.MarkFirstByte();
        record.Provider = answer.Provider;
        record.Answer.SetServedModel(answer.ServedModel);
        record.Usage = default(TokenUsage);
        record.SavedCostUsd = SavedCost(answer, info.Model);
        cache.Metrics.Saved(record.SavedCostUsd);
        return (true, null);
    }

    /// <summary>A collector for one attempt's answer, or null when nothing is to be stored.</summary>
    public AnswerCollector? Collect(CacheLookup lookup) =>
        lookup.IsEnabled && !lookup.IsHit ? new AnswerCollector(cache.Options.MaxEntryBytes) : null;

    /// <summary>Stores the answer the request got when it is complete and successful (status 200, no error after the
    /// stream started); never blocks.</summary>
    public void StoreIfComplete(CacheLookup lookup, RequestRecord record, AnswerCollector? collector)
    {
        if (collector is null || record.StatusCode != StatusCodes.Status200OK || record.ErrorType.Length > 0
            || record.Attempt is not { StatusCode: StatusCodes.Status200OK })
        {
            return;
        }

        if (collector.Assembler is { TooLarge: true })
        {
            cache.Metrics.Oversized();
            return;
        }

        var completion = collector.Assembler?.Build() ?? collector.Body;
        if (completion is null)
        {
            return;
        }

        var servedModel = record.Answer.ServedModel.Length > 0 ? record.Answer.ServedModel : collector.Assembler?.Model ?? "";
        if (StoredAnswer.FromCompletion(record.Provider, servedModel, record.Usage ?? default, completion, time.GetUtcNow()) is { } stored)
        {
            lookup.Store(stored);
        }
    }

    /// <summary>The content key over the body as the first target gets it (after its override_params), with that
    /// target's provider; null when none can be computed (the request then runs uncached).</summary>
    private async ValueTask<string?> ComputeKeyAsync(GatewayRequest request, RoutingPlan plan, ReadOnlyMemory<byte> body, ChatRequestInfo info)
    {
        string provider;
        var model = info.Model;
        if (plan.Config is null)
        {
            provider = plan.HeaderTarget!.Provider;
        }
        else
        {
            if (CacheKeyRoute.Find(plan.Config.Root, request.Record.Metadata, body) is not { } route)
            {
                return null;
            }

            var leaf = route.Leaf;
            if (leaf.NamesNoTarget)
            {
                provider = plan.HeaderTarget!.Provider;
            }
            else if (leaf.VirtualKey is { } slug)
            {
                var resolved = await virtualKeys.ResolveAsync(plan.Caller.TenantId, slug, request.Aborted);
                if (resolved.Value is not { } target)
                {
                    return null;
                }

                provider = target.Provider;
            }
            else
            {
                provider = leaf.Provider!;
            }

            if (route.Overrides.Count > 0)
            {
                try
                {
                    body = BodyOverrides.Apply(body.Span, route.Overrides);
                }
                catch (System.Text.Json.JsonException)
                {
                    return null;
                }

                if (ChatRequestScanner.Scan(body.Span).Value is not { } overridden)
                {
                    return null;
                }

                model = overridden.Model;
            }
        }

        return CacheKey.Compute(provider, model, body);
    }

    /// <summary>What the stored tokens cost at today's prices: by the requested model, else the model that served.</summary>
    private decimal SavedCost(StoredAnswer answer, string requestedModel)
    {
        var book = prices.Current;
        var rate = requestedModel.Length > 0 ? book.Find(answer.Provider, requestedModel) : null;
        if (rate is null && answer.ServedModel.Length > 0)
        {
            rate = book.Find(answer.Provider, answer.ServedModel);
        }

        return rate?.Cost(answer.Usage) ?? 0m;
    }
}
