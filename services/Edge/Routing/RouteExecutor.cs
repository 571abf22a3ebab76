using System.Diagnostics;
using System.Text.Json;
using Gateway.Contracts.Routing;
using Gateway.Edge.Auth;
using Gateway.Edge.ChatCompletions;
using Gateway.Edge.Errors;
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

    /// <summary>A leaf (every request without a config is one) goes straight to <see cref="RunLeafAsync"/>, without an
    /// async frame of its own here: one state machine less on every request.</summary>
    private Task<AttemptFailure?> RunNodeAsync(Execution x, RouteNode node, Inherited inherited)
    {
        var here = inherited.With(node);
        return node.IsGroup ? RunGroupAsync(x, node, here) : RunLeafAsync(x, node, here);
    }

    private async Task<AttemptFailure?> RunGroupAsync(Execution x, RouteNode node, Inherited here)
    {
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
}
