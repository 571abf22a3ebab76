using System.Net.Http.Headers;
using Gateway.Edge.ChatCompletions;
using Gateway.Edge.Errors;
using Gateway.Edge.Http;
using Gateway.Edge.Providers;
using Gateway.Edge.Providers.Mock;
using Gateway.Edge.Routing;
using Gateway.Edge.Usage;

namespace Gateway.Edge.Pipeline;

/// <summary>A planned, read and scanned request to an OpenAI-wire model endpoint (see <see cref="OpenAiWireModelEndpoint"/>).
/// Disposing it returns the body's pooled buffer.</summary>
internal sealed record OpenAiWireModelRequest(RoutingPlan Plan, RequestBody Body, ModelRequest Info) : IDisposable
{
    public void Dispose() => Body.Dispose();
}

/// <summary>What distinguishes one OpenAI-wire model endpoint: its upstream path, the name errors use, the field
/// the body must carry, whether it streams, and which request text estimation counts.</summary>
internal sealed record OpenAiWireEndpointSpec(string Path, string Operation, string RequiredField, bool Streams,
    RequestTextKind EstimateKind);

/// <summary>One target's view of an OpenAI-wire model request: the body it gets, what the scanner read from that
/// body, and the provider's route (null when the built-in mock answers).</summary>
internal sealed record OpenAiWireTargetCall(TargetCall Call, ModelRequest Info, OpenAiWireRoute? Route);

/// <summary>What the OpenAI-wire model endpoints (<c>/v1/completions</c>, <c>/v1/embeddings</c>) share before and
/// while forwarding; each handler keeps only its mock answer, its relay and its accounting.</summary>
internal sealed class OpenAiWireModelEndpoint(GatewayPipeline pipeline, OpenAiWireRoutes routes, ProviderHttpClient http)
{
    /// <summary>One request to the endpoint <paramref name="spec"/> describes: plan, read and scan, run the routing
    /// config (<paramref name="attempt"/> turns each target's call into how to send and relay it), and capture the
    /// request text for estimation, also when the answer broke off.</summary>
    public async Task<GatewayError?> ProcessAsync(GatewayRequest request, OpenAiWireEndpointSpec spec,
        Func<OpenAiWireTargetCall, GatewayRequestHeaders, Outcome<AttemptPlan>> attempt)
    {
        var prepared = await PrepareAsync(request, spec.Path, spec.Operation, spec.RequiredField);
        if (prepared.Error is { } error)
        {
            return error;
        }

        using var wire = prepared.Value!;
        var record = request.Record;
        record.Model = wire.Info.Model;
        record.Stream = spec.Streams && wire.Info.Stream;
        try
        {
            return await ExecuteAsync(request, wire, spec.Path, spec.Operation, spec.RequiredField,
                target => attempt(target, wire.Plan.Headers));
        }
        finally
        {
            RequestText.CaptureForEstimate(record, wire.Body.Span, spec.EstimateKind);
        }
    }

    /// <summary>Plans the route (a header target is checked for <paramref name="path"/> before the body is read: a
    /// provider without this endpoint needs no upload), then reads the body and scans it for <c>model</c>,
    /// <c>stream</c> and <paramref name="requiredField"/>.</summary>
    private async ValueTask<Outcome<OpenAiWireModelRequest>> PrepareAsync(GatewayRequest request, string path, string operation,
        string requiredField)
    {
        var planned = await pipeline.PlanAsync(request);
        if (planned.Error is { } planError)
        {
            return planError;
        }

        var plan = planned.Value!;
        if (plan.Config is null && plan.HeaderTarget is { } target && target.Provider != MockProvider.ProviderName
            && routes.Resolve(target, path, "", deploymentScoped: true, operation).Error is { } routeProblem)
        {
            return routeProblem;
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

        return new OpenAiWireModelRequest(plan, body, scanned.Value!);
    }

    /// <summary>Runs the routing config; <paramref name="attempt"/> turns each target's call into how to send it.</summary>
    private Task<GatewayError?> ExecuteAsync(GatewayRequest request, OpenAiWireModelRequest wire, string path, string operation,
        string requiredField, Func<OpenAiWireTargetCall, Outcome<AttemptPlan>> attempt) =>
        pipeline.ExecuteAsync(request, wire.Plan, wire.Body.Memory, call =>
        {
            var info = wire.Info;
            if (call.BodyOverridden)
            {
                var rescanned = ModelRequestScanner.Scan(call.Body.Span, requiredField);
                if (rescanned.Error is { } overrideError)
                {
                    return overrideError;
                }

                info = rescanned.Value!;
            }

            if (call.Target.Provider == MockProvider.ProviderName)
            {
                return attempt(new OpenAiWireTargetCall(call, info, null));
            }

            var route = routes.Resolve(call.Target, path, "", deploymentScoped: true, operation);
            return route.Error is { } routeProblem ? routeProblem : attempt(new OpenAiWireTargetCall(call, info, route.Value!));
        });

    /// <summary>How to POST <paramref name="json"/> to <paramref name="route"/>, with the client's forwarded headers.</summary>
    public Func<CancellationToken, Task<UpstreamResponse>> Send(OpenAiWireRoute route, GatewayRequestHeaders headers, ReadOnlyMemory<byte> json)
    {
        return cancellationToken =>
        {
            // New content per attempt: a retry must not reuse content a previous request disposed.
            var content = new ReadOnlyMemoryContent(json);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            return OpenAiWireRoute.SendAsync(http.Client, route.CreateMessage(HttpMethod.Post, content), headers.ForwardHeaders,
                http.MaxResponseBodyBytes, cancellationToken);
        };
    }
}
