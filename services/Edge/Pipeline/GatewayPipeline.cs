using System.Diagnostics;
using Gateway.Edge.Auth;
using Gateway.Edge.ChatCompletions;
using Gateway.Edge.Errors;
using Gateway.Edge.Http;
using Gateway.Edge.Limits;
using Gateway.Edge.Options;
using Gateway.Edge.Pricing;
using Gateway.Edge.Routing;
using Gateway.Edge.Usage;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Pipeline;

/// <summary>What every API endpoint shares, so each handler only says what is special about it. A handler is a
/// function from a <see cref="GatewayRequest"/> to null (it answered) or the <see cref="GatewayError"/> to answer
/// with; it typically calls, in order:
/// <list type="number">
/// <item><see cref="AuthenticateAsync"/> (gateway key, headers) or <see cref="PlanAsync"/> (that, plus policy, routing
/// config and the header target);</item>
/// <item><see cref="ReadBodyAsync"/> when it needs the body (size limit enforced);</item>
/// <item><see cref="ExecuteAsync"/> with how to send to a target and how to relay a successful answer.</item>
/// </list>
/// <see cref="RunAsync"/> around it sets the trace id, writes errors, handles client disconnects and failures,
/// and records exactly one usage event per authenticated request once the response is complete.</summary>
internal sealed partial class GatewayPipeline(
    ApiKeyResolver apiKeys,
    ProviderTargetResolver targets,
    TenantPolicyReader policies,
    ConfigResolver configs,
    RouteExecutor executor,
    IRequestAdmission admission,
    PriceCatalog prices,
    IUsageRecorder usageRecorder,
    TokenEstimator estimator,
    IOptions<EdgeOptions> options,
    ILogger<GatewayPipeline> logger)
{
    public const string ClientDisconnected = "client_disconnected";

    /// <summary>Right after start-up the price table may still be loading; the event waits for it this long.</summary>
    private static readonly TimeSpan FirstPriceLoadWait = TimeSpan.FromSeconds(5);

    private readonly EdgeOptions _options = options.Value;

    public EdgeOptions Options => _options;

    /// <param name="endpoint">What the usage event names as the endpoint (a route, never a raw client path).</param>
    public async Task RunAsync(HttpContext context, string endpoint, Func<GatewayRequest, Task<GatewayError?>> process)
    {
        using var activity = RequestActivity.StartIfNone(context.Request.Headers);
        var traceId = TraceIds.Resolve(context.Request.Headers);
        context.Response.Headers[GatewayHeaders.TraceId] = traceId;
        var record = new RequestRecord(endpoint, traceId);
        try
        {
            if (await process(new GatewayRequest(context, record)) is { } error)
            {
                record.Fail(error.StatusCode, error.Code);
                record.MarkFirstByte();
                await ErrorWriter.WriteAsync(context.Response, error, context.RequestAborted);
            }
        }
        catch (Exception) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: whatever was in flight upstream has been cancelled through the linked token.
            record.Fail(StatusCodes.Status499ClientClosedRequest, ClientDisconnected);
        }
        catch (Exception ex)
        {
            LogUnexpected(logger, ex, traceId);
            record.Fail(StatusCodes.Status500InternalServerError, "internal_error");
            if (!context.Response.HasStarted)
            {
                await ErrorWriter.WriteAsync(context.Response, new GatewayError(StatusCodes.Status500InternalServerError,
                    ErrorTypes.Gateway, "internal_error", $"The gateway failed unexpectedly (trace id {traceId})."), CancellationToken.None);
            }
            else
            {
                // A half-sent answer must not look complete to the client.
                context.Abort();
            }
        }
        finally
        {
            await FinishAsync(context, record);
        }
    }

    /// <summary>Resolves the gateway key to its tenant and validates every gateway header, before anything reaches a
    /// provider (a bad header costs no upstream call). Fills the record's caller, user and metadata.</summary>
    public async ValueTask<Outcome<AuthenticatedRequest>> AuthenticateAsync(GatewayRequest request)
    {
        var headers = request.Context.Request.Headers;
        var keys = GatewayKeyReader.Read(headers);
        if (keys.GatewayKey is not { } apiKey)
        {
            return GatewayError.MissingApiKey();
        }

        var caller = await apiKeys.ResolveAsync(apiKey, request.Aborted);
        if (caller.Error is { } callerError)
        {
            return callerError;
        }

        var record = request.Record;
        record.Caller = caller.Value!;
        var read = GatewayRequestHeaders.Read(headers, _options.UpstreamTimeout);
        if (read.Error is { } headerError)
        {
            return headerError;
        }

        var gatewayHeaders = read.Value!;
        record.User = gatewayHeaders.Metadata.User;
        record.Metadata = gatewayHeaders.Metadata.Values;
        return new AuthenticatedRequest(record.Caller, gatewayHeaders, keys.ProviderKey);
    }

    /// <summary><see cref="AuthenticateAsync"/>, then everything routing needs before the body is read: the tenant
    /// policy (allowed providers, default config), the routing config (<see cref="ConfigResolver"/>) and, when the
    /// config names no target or there is none, the target the headers name (<see cref="ProviderTargetResolver"/>:
    /// virtual key, passthrough provider key or custom host; its errors come before the body is read, as ever).</summary>
    /// <param name="useConfig">False for endpoints that cannot be routed (passthrough): the header target only.</param>
    public async ValueTask<Outcome<RoutingPlan>> PlanAsync(GatewayRequest request, bool useConfig = true)
    {
        var authenticated = await AuthenticateAsync(request);
        if (authenticated.Error is { } error)
        {
            return error;
        }

        var (caller, gatewayHeaders, providerKey) = authenticated.Value!;
        var headers = request.Context.Request.Headers;
        var policy = await policies.GetAsync(caller.TenantId, request.Aborted);
        if (policy.Error is { } policyError)
        {
            return policyError;
        }

        ResolvedConfig? config = null;
        if (useConfig)
        {
            var resolved = await configs.ResolveAsync(caller, headers, policy.Value!, request.Aborted);
            if (resolved.Error is { } configError)
            {
                return configError;
            }

            config = resolved.Value;
        }

        ProviderTarget? headerTarget = null;
        var breakerKey = "";
        if (config is null || config.Root.NamesNoTarget)
        {
            var record = request.Record;
            var requestedProvider = GatewayHeaders.First(headers, GatewayHeaders.Provider, GatewayHeaders.PortkeyProvider)?.Trim().ToLowerInvariant();
            record.Provider = requestedProvider ?? "";
            var target = await targets.ResolveAsync(caller.TenantId, headers, providerKey, requestedProvider,
                gatewayHeaders.CustomHost, request.Aborted);
            if (target.Error is { } targetError)
            {
                return targetError;
            }

            headerTarget = target.Value!;
            record.VirtualKeyId = headerTarget.VirtualKeyId;
            record.Provider = headerTarget.Provider;
            breakerKey = CircuitBreakers.Key(caller.TenantId,
                GatewayHeaders.First(headers, GatewayHeaders.VirtualKey, GatewayHeaders.PortkeyVirtualKey)?.Trim(),
                headerTarget.Provider, headerTarget.BaseUrl);
        }

        return new RoutingPlan(caller, gatewayHeaders, providerKey, policy.Value!, config, headerTarget, breakerKey);
    }

    /// <summary>The whole body in a pooled buffer (dispose it after forwarding); 413 over <c>Edge:MaxRequestBodyBytes</c>.</summary>
    public ValueTask<Outcome<RequestBody>> ReadBodyAsync(GatewayRequest request) =>
        RequestBody.ReadAsync(request.Context, _options, request.Aborted);

    /// <summary>Runs the plan's routing config with <paramref name="body"/> (see <see cref="RouteExecutor"/>):
    /// <paramref name="prepare"/> says how to send to each target the config picks. Provider errors are passed
    /// through once no other target can serve; unreachable providers, timeouts and mid-body failures become gateway
    /// errors, as a final SSE event once the response has started. Records every attempt.</summary>
    public Task<GatewayError?> ExecuteAsync(GatewayRequest request, RoutingPlan plan, ReadOnlyMemory<byte> body, PrepareAttempt prepare) =>
        executor.ExecuteAsync(request, plan, body, prepare);

    /// <summary>One attempt at the plan's header target, for bodies that cannot be sent twice (passthrough streams).</summary>
    public Task<GatewayError?> ForwardOnceAsync(GatewayRequest request, RoutingPlan plan, AttemptPlan attempt) =>
        executor.ForwardOnceAsync(request, plan, plan.HeaderTarget!, attempt);

    /// <summary>Completes the response first, so the usage event (and a possible wait for prices) costs the client
    /// nothing, then records it. Requests that never authenticated belong to no tenant and are not recorded.</summary>
    private async Task FinishAsync(HttpContext context, RequestRecord record)
    {
        if (!context.RequestAborted.IsCancellationRequested)
        {
            try
            {
                await context.Response.CompleteAsync();
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or InvalidOperationException)
            {
                record.Fail(StatusCodes.Status499ClientClosedRequest, ClientDisconnected);
            }
        }

        var end = Stopwatch.GetTimestamp();
        if (record.Caller is null)
        {
            return;
        }

        if (record.Usage is null && record.EstimationInput is { } input)
        {
            await EstimateAsync(record, input);
        }

        var book = await prices.GetAsync(record.Caller.TenantId, FirstPriceLoadWait);
        var usageEvent = UsageEventBuilder.Build(record, book, end, out var cost);
        usageRecorder.Record(usageEvent);
        if (record.Admission is { } admitted)
        {
            await admission.SettleAsync(admitted, cost, usageEvent.InputTokens + usageEvent.OutputTokens);
        }
    }

    /// <summary>The provider answered without usage: count with the tokenizer, after the client has its answer (the
    /// first time, once its tables are loaded, without blocking a thread).</summary>
    private async Task EstimateAsync(RequestRecord record, EstimationInput input)
    {
        try
        {
            await estimator.LoadAsync();
            record.Usage = estimator.Estimate(input, record.Answer);
            record.TokensEstimated = true;
        }
        catch (Exception ex)
        {
            // Better an event with no tokens than no event at all.
            LogEstimateFailed(logger, ex, record.TraceId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Estimating the tokens of request {TraceId} failed")]
    private static partial void LogEstimateFailed(ILogger logger, Exception exception, string traceId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure on request {TraceId}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string traceId);
}
