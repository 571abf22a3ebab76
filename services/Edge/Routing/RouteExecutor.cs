using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Gateway.Contracts.Routing;
using Gateway.Edge.Auth;
using Gateway.Edge.ChatCompletions;
using Gateway.Edge.Errors;
using Gateway.Edge.Http;
using Gateway.Edge.Limits;
using Gateway.Edge.Pipeline;
using Gateway.Edge.Providers;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Routing;

/// <summary>Runs a request's routing config: strategies (single, fallback, loadbalance, conditional, nested),
/// retries with back-off per leaf, per-attempt and total timeouts, circuit breakers, key scopes and allowed
/// providers, and the admission check before the first upstream call. Without a config the request's header target
/// is tried once, exactly as before routing existed. Nothing reaches the client until an attempt succeeds or the
/// last one has failed; a failed attempt leaves no headers of its own on the response.</summary>
internal sealed partial class RouteExecutor(
    VirtualKeyResolver virtualKeys,
    CustomHostGuard customHosts,
    CircuitBreakers breakers,
    IRequestAdmission admission,
    IOptions<RoutingOptions> options,
    TimeProvider time,
    ILogger<RouteExecutor> logger)
{
    public const string AttemptsHeader = "x-gateway-attempts";

    /// <summary>Statuses a fallback moves on from when the config lists none (besides timeouts and connection errors).</summary>
    private static readonly int[] DefaultRetryStatuses = [429, 500, 502, 503, 504];

    private static readonly IReadOnlyDictionary<string, string> NoExtras = new Dictionary<string, string>();

    private static readonly RouteNode HeaderOnly = new();

    private readonly RoutingOptions _options = options.Value;

    /// <summary>Runs <paramref name="plan"/> and answers the client: null when an answer was written (served, or the
    /// last provider error relayed), otherwise the gateway error to answer with.</summary>
    public async Task<GatewayError?> ExecuteAsync(GatewayRequest request, RoutingPlan plan, ReadOnlyMemory<byte> body, PrepareAttempt prepare)
    {
        using var execution = new Execution(request, plan, body, prepare,
            Stopwatch.GetTimestamp() + (long)(plan.Headers.Timeout.TotalSeconds * Stopwatch.Frequency));
        var root = plan.Config?.Root ?? HeaderOnly;
        var failure = await RunNodeAsync(execution, root, Inherited.None);
        return failure is null ? null : await AnswerFailureAsync(execution, failure);
    }

    /// <summary>One attempt at a target without routing (passthrough: the body is a stream and cannot be resent).</summary>
    public async Task<GatewayError?> ForwardOnceAsync(GatewayRequest request, RoutingPlan plan, ProviderTarget target, AttemptPlan attempt)
    {
        using var execution = new Execution(request, plan, default, _ => attempt,
            Stopwatch.GetTimestamp() + (long)(plan.Headers.Timeout.TotalSeconds * Stopwatch.Frequency));
        if (CheckProvider(execution, target.Provider) is { } notAllowed)
        {
            return await AnswerFailureAsync(execution, Skip(execution, target, attempt.Provider, attempt.Model, notAllowed));
        }

        if (await AdmitAsync(execution, attempt) is { } refused)
        {
            return await AnswerFailureAsync(execution, refused);
        }

        execution.Record.VirtualKeyId = target.VirtualKeyId;
        execution.Record.Provider = attempt.Provider;
        var failure = await AttemptAsync(execution, attempt, plan.Headers.Timeout, plan.Headers.Timeout);
        return failure is null ? null : await AnswerFailureAsync(execution, failure);
    }

    private async Task<AttemptFailure?> RunNodeAsync(Execution x, RouteNode node, Inherited inherited)
    {
        var here = inherited.With(node);
        if (!node.IsGroup)
        {
            return await RunLeafAsync(x, node, here);
        }

        switch (node.Mode)
        {
            case RouteMode.Fallback:
                AttemptFailure? last = null;
                AttemptFailure? lastCalled = null;
                foreach (var target in node.Targets)
                {
                    last = await RunNodeAsync(x, target, here);
                    if (last is null || !FallsBack(last, node.OnStatusCodes) || x.DeadlinePassed)
                    {
                        return last;
                    }

                    lastCalled = last.Kind == FailureKind.NotAttempted ? lastCalled : last;
                    ResetResponse(x);
                }

                // What a provider said is more useful than "skipped" (circuit open, not allowed) from a later target.
                return lastCalled ?? last;
            case RouteMode.LoadBalance:
                return await RunNodeAsync(x, Pick(x, node.Targets), here);
            case RouteMode.Conditional:
                var chosen = Choose(x, node);
                return chosen is null ? AttemptFailure.Final(RoutingErrors.NoRouteMatched()) : await RunNodeAsync(x, chosen, here);
            default:
                return await RunNodeAsync(x, node.Targets[0], here);
        }
    }

    private async Task<AttemptFailure?> RunLeafAsync(Execution x, RouteNode leaf, Inherited here)
    {
        var resolved = await ResolveTargetAsync(x, leaf);
        if (resolved.Error is { } unresolved)
        {
            return Skip(x, null, leaf.Provider ?? "", "", unresolved);
        }

        var (target, breakerKey) = resolved.Value!;
        if (CheckProvider(x, target.Provider) is { } notAllowed)
        {
            return Skip(x, target, target.Provider, "", notAllowed);
        }

        var body = x.Body;
        var overridden = here.Overrides.Count > 0;
        if (overridden)
        {
            try
            {
                body = BodyOverrides.Apply(x.Body.Span, here.Overrides);
            }
            catch (JsonException)
            {
                // Not a JSON object: the handler's scan reports it for what it is.
                overridden = false;
            }
        }

        var prepared = x.Prepare(new TargetCall(target, body, overridden));
        if (prepared.Error is { } unusable)
        {
            return Skip(x, target, target.Provider, "", unusable);
        }

        var attempt = prepared.Value!;
        if (!ConfigResolver.ScopeAllows(x.Plan.Caller.Scopes.Models, attempt.Model))
        {
            return Skip(x, target, attempt.Provider, attempt.Model, RoutingErrors.ModelNotAllowed(attempt.Model));
        }

        // Breakers guard routed traffic; a request without a config gets its one provider's own answer, as before.
        var useBreaker = x.Plan.Config is not null;
        var retries = here.Retry?.Attempts ?? 0;
        var retryStatuses = here.Retry?.OnStatusCodes ?? DefaultRetryStatuses;
        for (var retry = 0; ; retry++)
        {
            if (useBreaker && !breakers.TryAcquire(breakerKey))
            {
                return Skip(x, target, attempt.Provider, attempt.Model, RoutingErrors.CircuitOpen(attempt.Provider));
            }

            bool? providerFailed = null;
            try
            {
                if (await AdmitAsync(x, attempt) is { } refused)
                {
                    return refused;
                }

                x.Record.VirtualKeyId = target.VirtualKeyId;
                x.Record.Provider = attempt.Provider;
                x.Record.Model = attempt.Model;
                var remaining = x.Remaining;
                var nominal = here.TimeoutMs is { } ms ? TimeSpan.FromMilliseconds(ms) : x.Plan.Headers.Timeout;
                var failure = await AttemptAsync(x, attempt, nominal < remaining ? nominal : remaining, nominal);
                // A target that was never called (misconfigured) says nothing about the provider's health.
                providerFailed = failure is null ? false : failure.Kind == FailureKind.NotAttempted ? null : IsProviderFailure(failure);
                if (failure is null)
                {
                    return null;
                }

                if (retry >= retries || !(failure.Kind == FailureKind.Transport || retryStatuses.Contains(failure.StatusCode)))
                {
                    return failure;
                }

                var delay = failure.RetryAfter
                            ?? RetryTiming.Backoff(retry, _options.BackoffBase, _options.BackoffCap, Random.Shared.NextDouble());
                if (delay >= x.Remaining)
                {
                    // Waiting would only run into the request's own deadline.
                    return failure;
                }

                ResetResponse(x);
                LogRetrying(logger, attempt.Provider, failure.StatusCode, (long)delay.TotalMilliseconds);
                await Task.Delay(delay, time, x.Aborted);
            }
            finally
            {
                if (useBreaker)
                {
                    breakers.Report(breakerKey, providerFailed);
                }
            }
        }
    }

    /// <summary>The leaf's target: the header target for a config that names none, a virtual key of the tenant, or a
    /// provider with the request's passthrough key (and the leaf's custom host, if the tenant allows it).</summary>
    private async ValueTask<Outcome<ResolvedTarget>> ResolveTargetAsync(Execution x, RouteNode leaf)
    {
        var tenantId = x.Plan.Caller.TenantId;
        if (leaf.NamesNoTarget)
        {
            return new ResolvedTarget(x.Plan.HeaderTarget!, x.Plan.HeaderBreakerKey);
        }

        if (leaf.VirtualKey is { } slug)
        {
            var resolved = await virtualKeys.ResolveAsync(tenantId, slug, x.Aborted);
            return resolved.Error is { } error ? error
                : new ResolvedTarget(resolved.Value!, CircuitBreakers.Key(tenantId, slug, "", null));
        }

        var provider = leaf.Provider!;
        var baseUrl = "";
        if (leaf.CustomHost is { } customHost && Uri.TryCreate(customHost, UriKind.Absolute, out var host))
        {
            if (await customHosts.CheckAsync(tenantId, host, x.Aborted) is { } hostError)
            {
                return hostError;
            }

            baseUrl = host.AbsoluteUri;
        }

        return new ResolvedTarget(new ProviderTarget("", provider, x.Plan.ProviderKey ?? "", baseUrl, NoExtras),
            CircuitBreakers.Key(tenantId, null, provider, baseUrl));
    }

    private static GatewayError? CheckProvider(Execution x, string provider) =>
        ConfigResolver.ScopeAllows(x.Plan.Caller.Scopes.Providers, provider) && ConfigResolver.ScopeAllows(x.Plan.Policy.AllowedProviders, provider)
            ? null
            : RoutingErrors.ProviderNotAllowed(provider);

    /// <summary>Once per request, before the first upstream call: the tenant's rate limits and budget.</summary>
    private async ValueTask<AttemptFailure?> AdmitAsync(Execution x, AttemptPlan attempt)
    {
        if (x.Record.Admission is not null)
        {
            return null;
        }

        var admitted = await admission.AdmitAsync(new AdmissionRequest(x.Plan.Caller, attempt.Provider, attempt.Model,
            x.Body.Length > 0 ? x.Body.Length : x.Request.Context.Request.ContentLength ?? 0,
            MaxOutputTokens.Read(x.Body.Span)), x.Aborted);
        if (admitted.Error is { } refused)
        {
            // A refusal carries the quota headers (and Retry-After) in its admission; it reserved nothing to settle.
            x.StickyHeaders = admitted.Value?.Headers ?? [];
            return AttemptFailure.Final(refused);
        }

        x.Record.Admission = admitted.Value!;
        x.StickyHeaders = admitted.Value!.Headers;
        ApplySticky(x);
        return null;
    }

    /// <summary>One upstream call. A provider error is read whole and held (another target may still serve);
    /// failures after the response started end the stream with an error event, as before routing.</summary>
    /// <param name="timeout">How long this attempt may take (the attempt's timeout, or what is left of the request's).</param>
    /// <param name="nominal">The timeout an error message names (the configured one, not what was left of it).</param>
    private async Task<AttemptFailure?> AttemptAsync(Execution x, AttemptPlan attempt, TimeSpan timeout, TimeSpan nominal)
    {
        var context = x.Request.Context;
        var record = x.Record;
        var response = context.Response;
        x.AttemptCount++;
        response.Headers[AttemptsHeader] = x.AttemptCount.ToString(CultureInfo.InvariantCulture);
        using var upstreamCancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        upstreamCancellation.CancelAfter(timeout);
        var cancellationToken = upstreamCancellation.Token;
        var attemptStart = Stopwatch.GetTimestamp();

        UpstreamResponse upstream;
        try
        {
            upstream = await attempt.Send(cancellationToken);
        }
        catch (GatewayErrorException ex)
        {
            // The target is misconfigured or unsupported: nothing was sent, so there is no upstream attempt to record.
            return AttemptFailure.Skipped(ex.Error);
        }
        catch (HttpRequestException ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            LogUpstreamUnreachable(logger, attempt.Provider, ex.HttpRequestError);
            var error = GatewayError.UpstreamUnreachable(attempt.Provider);
            Record(x, attempt, "", 0, attemptStart, error.Code);
            return AttemptFailure.Transport(error);
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            // Our deadline, or the connection pool's connect timeout (the provider is then unreachable, not slow).
            var error = upstreamCancellation.IsCancellationRequested
                ? GatewayError.UpstreamTimeout(attempt.Provider, nominal)
                : GatewayError.UpstreamUnreachable(attempt.Provider);
            Record(x, attempt, "", 0, attemptStart, error.Code);
            return AttemptFailure.Transport(error);
        }

        using (upstream)
        {
            var errorType = "";
            try
            {
                if (!upstream.IsSuccess)
                {
                    errorType = "upstream_" + upstream.StatusCode.ToString(CultureInfo.InvariantCulture);
                    var body = await ReadBoundedAsync(upstream.Body, _options.MaxBufferedErrorBytes, cancellationToken);
                    return new AttemptFailure(upstream.StatusCode, FailureKind.Status)
                    {
                        Upstream = new BufferedUpstreamError(upstream.StatusCode, attempt.Provider, upstream.ForwardedHeaders(), body),
                        RetryAfter = RetryTiming.ParseRetryAfter(upstream.Header("retry-after"), time.GetUtcNow()),
                    };
                }

                await attempt.Relay(upstream, cancellationToken);
                return null;
            }
            catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested
                                       && ex is OperationCanceledException or IOException or HttpRequestException)
            {
                // The provider failed after answering: timed out or dropped the connection mid-body.
                var error = ex is OperationCanceledException
                    ? GatewayError.UpstreamTimeout(attempt.Provider, nominal)
                    : new GatewayError(StatusCodes.Status502BadGateway, ErrorTypes.Gateway, "upstream_stream_error",
                        $"The connection to provider '{attempt.Provider}' failed while the answer was being received.");
                errorType = error.Code;
                if (!response.HasStarted)
                {
                    // Nothing reached the client: another attempt may still serve it.
                    return AttemptFailure.Transport(error);
                }

                record.FailAfterStart(error.Code);
                await ErrorWriter.WriteStreamEventAsync(response, error, context.RequestAborted);
                return null;
            }
            finally
            {
                Record(x, attempt, upstream.Target, upstream.StatusCode, attemptStart,
                    context.RequestAborted.IsCancellationRequested ? GatewayPipeline.ClientDisconnected : errorType);
            }
        }
    }

    /// <summary>Every target failed: the last provider error as it came, or the gateway error to write.</summary>
    private static async Task<GatewayError?> AnswerFailureAsync(Execution x, AttemptFailure failure)
    {
        ResetResponse(x);
        if (failure.Upstream is { } upstream)
        {
            var response = x.Request.Context.Response;
            x.Record.Fail(upstream.StatusCode, "upstream_" + upstream.StatusCode.ToString(CultureInfo.InvariantCulture));
            foreach (var (name, value) in upstream.Headers)
            {
                response.Headers[name] = value;
            }

            await Proxy.ResponseRelay.WriteErrorAsync(upstream.StatusCode, upstream.Body, upstream.Provider, response, x.Record, x.Aborted);
            return null;
        }

        return failure.Error!;
    }

    /// <summary>Fallback moves on after timeouts, connection errors and skipped targets, and after the listed
    /// statuses (every 5xx and 429 when none are listed); a client error such as 400 is final.</summary>
    private static bool FallsBack(AttemptFailure failure, IReadOnlyList<int>? onStatusCodes) => failure.Kind switch
    {
        FailureKind.Final => false,
        FailureKind.Transport or FailureKind.NotAttempted => true,
        _ => onStatusCodes is null ? failure.StatusCode is >= 500 or 429 : onStatusCodes.Contains(failure.StatusCode),
    };

    private static bool IsProviderFailure(AttemptFailure failure) =>
        failure.Kind == FailureKind.Transport || (failure.Kind == FailureKind.Status && failure.StatusCode is >= 500 or 429);

    /// <summary>Weighted random among targets whose breaker is not open (all of them when every one is).</summary>
    private RouteNode Pick(Execution x, IReadOnlyList<RouteNode> targets)
    {
        var total = 0d;
        Span<bool> available = targets.Count <= 64 ? stackalloc bool[targets.Count] : new bool[targets.Count];
        for (var i = 0; i < targets.Count; i++)
        {
            available[i] = x.Plan.Config is null || breakers.IsAvailable(BreakerKeyOf(x, targets[i]));
            total += available[i] ? targets[i].Weight : 0;
        }

        if (total <= 0)
        {
            available.Fill(true);
            foreach (var target in targets)
            {
                total += target.Weight;
            }
        }

        var point = Random.Shared.NextDouble() * total;
        for (var i = 0; i < targets.Count; i++)
        {
            if (!available[i])
            {
                continue;
            }

            point -= targets[i].Weight;
            if (point < 0)
            {
                return targets[i];
            }
        }

        return targets[^1];
    }

    /// <summary>The breaker of a leaf; a group counts as available (its own leaves are checked when it runs).</summary>
    private static string BreakerKeyOf(Execution x, RouteNode node) =>
        node.IsGroup ? ""
        : node.NamesNoTarget ? x.Plan.HeaderBreakerKey
        : node.VirtualKey is { } slug ? CircuitBreakers.Key(x.Plan.Caller.TenantId, slug, "", null)
        : CircuitBreakers.Key(x.Plan.Caller.TenantId, null, node.Provider!,
            node.CustomHost is { } host && Uri.TryCreate(host, UriKind.Absolute, out var uri) ? uri.AbsoluteUri : "");

    private static RouteNode? Choose(Execution x, RouteNode node)
    {
        var metadata = x.Record.Metadata;
        JsonElement? body = x.BodyJson();
        foreach (var condition in node.Conditions)
        {
            if (RouteConditions.Matches(condition.Query, metadata, body))
            {
                return Named(node.Targets, condition.Then);
            }
        }

        return node.Default is { } name ? Named(node.Targets, name) : null;
    }

    private static RouteNode? Named(IReadOnlyList<RouteNode> targets, string name)
    {
        foreach (var target in targets)
        {
            if (target.Name == name)
            {
                return target;
            }
        }

        return null;
    }

    private static AttemptFailure Skip(Execution x, ProviderTarget? target, string provider, string model, GatewayError error)
    {
        x.Record.AddAttempt(new UpstreamAttempt("", 0, 0, error.Code) { Provider = provider, Model = model });
        if (target is not null && x.AttemptCount == 0)
        {
            // The record names the target that answered last; a skipped one only when none was called.
            x.Record.VirtualKeyId = target.VirtualKeyId;
            x.Record.Provider = provider;
        }

        return AttemptFailure.Skipped(error);
    }

    private static void Record(Execution x, AttemptPlan attempt, string target, int status, long start, string errorType) =>
        x.Record.AddAttempt(new UpstreamAttempt(target, status, Stopwatch.GetTimestamp() - start, errorType)
        {
            Provider = attempt.Provider,
            Model = attempt.Model,
        });

    /// <summary>Drops what a failed attempt put on the response (its status, content type, provider headers),
    /// keeping what was there before the first attempt (the trace id) and the admission's quota headers.</summary>
    private static void ResetResponse(Execution x)
    {
        var response = x.Request.Context.Response;
        if (response.HasStarted)
        {
            return;
        }

        response.Headers.Clear();
        response.StatusCode = StatusCodes.Status200OK;
        foreach (var (name, value) in x.Baseline)
        {
            response.Headers[name] = value;
        }

        if (x.AttemptCount > 0)
        {
            response.Headers[AttemptsHeader] = x.AttemptCount.ToString(CultureInfo.InvariantCulture);
        }

        ApplySticky(x);
    }

    private static void ApplySticky(Execution x)
    {
        foreach (var (name, value) in x.StickyHeaders)
        {
            x.Request.Context.Response.Headers[name] = value;
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(Stream body, int limit, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while (buffer.Length < limit && (read = await body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            buffer.Write(chunk, 0, (int)Math.Min(read, limit - buffer.Length));
        }

        return buffer.ToArray();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} unreachable: {Reason}")]
    private static partial void LogUpstreamUnreachable(ILogger logger, string provider, HttpRequestError reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Retrying provider {Provider} after status {Status} in {DelayMs} ms")]
    private static partial void LogRetrying(ILogger logger, string provider, int status, long delayMs);

    private sealed record ResolvedTarget(ProviderTarget Target, string BreakerKey);

    /// <summary>Settings a node passes to its targets: the nearest retry and timeout, and override_params merged
    /// from the root down (a target's own win).</summary>
    private sealed record Inherited(RetrySettings? Retry, long? TimeoutMs, IReadOnlyList<KeyValuePair<string, JsonElement>> Overrides)
    {
        public static readonly Inherited None = new(null, null, []);

        public Inherited With(RouteNode node)
        {
            var overrides = Overrides;
            if (node.OverrideParams.Count > 0)
            {
                var merged = new List<KeyValuePair<string, JsonElement>>(node.OverrideParams);
                foreach (var inherited in Overrides)
                {
                    if (!node.OverrideParams.Any(own => own.Key == inherited.Key))
                    {
                        merged.Add(inherited);
                    }
                }

                overrides = merged;
            }

            return node.Retry is null && node.RequestTimeoutMs is null && ReferenceEquals(overrides, Overrides)
                ? this
                : new Inherited(node.Retry ?? Retry, node.RequestTimeoutMs ?? TimeoutMs, overrides);
        }
    }

    /// <summary>One request's state while its config runs.</summary>
    private sealed class Execution(GatewayRequest request, RoutingPlan plan, ReadOnlyMemory<byte> body, PrepareAttempt prepare, long deadline)
        : IDisposable
    {
        private JsonDocument? _json;
        private bool _parsed;

        public GatewayRequest Request { get; } = request;

        public RoutingPlan Plan { get; } = plan;

        public ReadOnlyMemory<byte> Body { get; } = body;

        public PrepareAttempt Prepare { get; } = prepare;

        public RequestRecord Record => Request.Record;

        public CancellationToken Aborted => Request.Aborted;

        public int AttemptCount { get; set; }

        public IReadOnlyList<KeyValuePair<string, string>> StickyHeaders { get; set; } = [];

        /// <summary>The response headers from before the first attempt (trace id, and whatever the endpoint set),
        /// restored after a failed attempt.</summary>
        public KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues>[] Baseline { get; } = [.. request.Context.Response.Headers];

        public TimeSpan Remaining => TimeSpan.FromSeconds(Math.Max(0, deadline - Stopwatch.GetTimestamp()) / (double)Stopwatch.Frequency);

        public bool DeadlinePassed => Stopwatch.GetTimestamp() >= deadline;

        /// <summary>The body parsed once, only for conditions on <c>params.*</c>.</summary>
        public JsonElement? BodyJson()
        {
            if (!_parsed)
            {
                _parsed = true;
                try
                {
                    _json = Body.IsEmpty ? null : JsonDocument.Parse(Body);
                }
                catch (JsonException)
                {
                    _json = null;
                }
            }

            return _json?.RootElement;
        }

        public void Dispose() => _json?.Dispose();
    }
}
