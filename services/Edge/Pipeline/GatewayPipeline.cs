using System.Diagnostics;
using Gateway.Edge.Auth;
using Gateway.Edge.ChatCompletions;
using Gateway.Edge.Errors;
using Gateway.Edge.Http;
using Gateway.Edge.Options;
using Gateway.Edge.Pricing;
using Gateway.Edge.Providers;
using Gateway.Edge.Proxy;
using Gateway.Edge.Usage;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Pipeline;

/// <summary>What every API endpoint shares, so each handler only says what is special about it. A handler is a
/// function from a <see cref="GatewayRequest"/> to null (it answered) or the <see cref="GatewayError"/> to answer
/// with; it typically calls, in order:
/// <list type="number">
/// <item><see cref="AuthenticateAsync"/> (gateway key, headers) or <see cref="RouteAsync"/> (that, plus the provider
/// target of the virtual key, passthrough key or custom host);</item>
/// <item><see cref="ReadBodyAsync"/> when it needs the body (size limit enforced);</item>
/// <item><see cref="ForwardAsync"/> with how to send upstream and how to relay a successful answer.</item>
/// </list>
/// <see cref="RunAsync"/> around it sets the trace id, writes errors, handles client disconnects and failures,
/// and records exactly one usage event per authenticated request once the response is complete.</summary>
internal sealed partial class GatewayPipeline(
    ApiKeyResolver apiKeys,
    ProviderTargetResolver targets,
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

    /// <summary><see cref="AuthenticateAsync"/>, then the provider target (virtual key, passthrough provider key or
    /// custom host, see <see cref="ProviderTargetResolver"/>). Fills the record's provider and virtual key.</summary>
    public async ValueTask<Outcome<RoutedRequest>> RouteAsync(GatewayRequest request)
    {
        var authenticated = await AuthenticateAsync(request);
        if (authenticated.Error is { } error)
        {
            return error;
        }

        var (caller, gatewayHeaders, providerKey) = authenticated.Value!;
        var headers = request.Context.Request.Headers;
        var record = request.Record;
        var requestedProvider = GatewayHeaders.First(headers, GatewayHeaders.Provider, GatewayHeaders.PortkeyProvider)?.Trim().ToLowerInvariant();
        record.Provider = requestedProvider ?? "";
        var resolved = await targets.ResolveAsync(caller.TenantId, headers, providerKey, requestedProvider,
            gatewayHeaders.CustomHost, request.Aborted);
        if (resolved.Error is { } targetError)
        {
            return targetError;
        }

        var target = resolved.Value!;
        record.VirtualKeyId = target.VirtualKeyId;
        record.Provider = target.Provider;
        return new RoutedRequest(caller, gatewayHeaders, target);
    }

    /// <summary>The whole body in a pooled buffer (dispose it after forwarding); 413 over <c>Edge:MaxRequestBodyBytes</c>.</summary>
    public ValueTask<Outcome<RequestBody>> ReadBodyAsync(GatewayRequest request) =>
        RequestBody.ReadAsync(request.Context, _options.MaxRequestBodyBytes, request.Aborted);

    /// <summary>Sends one upstream request and relays its answer: <paramref name="send"/> returns once the response
    /// headers are in; <paramref name="relay"/> copies a successful answer to the client and reads its usage into the
    /// record. Provider errors are passed through (<see cref="ResponseRelay.RelayErrorAsync"/>); unreachable
    /// providers, timeouts (<paramref name="timeout"/> covers the whole exchange) and mid-body failures become
    /// gateway errors, as a final SSE event once the response has started. Records the upstream attempt.</summary>
    public async Task<GatewayError?> ForwardAsync(GatewayRequest request, string provider, TimeSpan timeout,
        Func<CancellationToken, Task<UpstreamResponse>> send, Func<UpstreamResponse, CancellationToken, Task> relay)
    {
        var context = request.Context;
        var record = request.Record;
        var response = context.Response;
        using var upstreamCancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        upstreamCancellation.CancelAfter(timeout);
        var cancellationToken = upstreamCancellation.Token;
        var attemptStart = Stopwatch.GetTimestamp();

        UpstreamResponse upstream;
        try
        {
            upstream = await send(cancellationToken);
        }
        catch (GatewayErrorException ex)
        {
            return ex.Error;
        }
        catch (HttpRequestException ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            LogUpstreamUnreachable(logger, provider, ex.HttpRequestError);
            return Attempted(record, "", attemptStart, GatewayError.UpstreamUnreachable(provider));
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            // Our deadline, or the connection pool's connect timeout (the provider is then unreachable, not slow).
            return Attempted(record, "", attemptStart, upstreamCancellation.IsCancellationRequested
                ? GatewayError.UpstreamTimeout(provider, timeout)
                : GatewayError.UpstreamUnreachable(provider));
        }

        using (upstream)
        {
            var errorType = "";
            try
            {
                if (!upstream.IsSuccess)
                {
                    errorType = "upstream_" + upstream.StatusCode.ToString(System.Globalization.CultureInfo.InvariantCulture);
                    record.Fail(upstream.StatusCode, errorType);
                    await ResponseRelay.RelayErrorAsync(upstream, provider, response, record, cancellationToken);
                }
                else
                {
                    await relay(upstream, cancellationToken);
                }
            }
            catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested
                                       && ex is OperationCanceledException or IOException or HttpRequestException)
            {
                // The provider failed after answering: timed out or dropped the connection mid-body.
                var error = ex is OperationCanceledException
                    ? GatewayError.UpstreamTimeout(provider, timeout)
                    : new GatewayError(StatusCodes.Status502BadGateway, ErrorTypes.Gateway, "upstream_stream_error",
                        $"The connection to provider '{provider}' failed while the answer was being received.");
                errorType = error.Code;
                if (!response.HasStarted)
                {
                    return Attempted(record, upstream.Target, attemptStart, error, upstream.StatusCode);
                }

                record.FailAfterStart(error.Code);
                await ErrorWriter.WriteStreamEventAsync(response, error, context.RequestAborted);
            }
            finally
            {
                record.Attempt = new UpstreamAttempt(upstream.Target, upstream.StatusCode, Stopwatch.GetTimestamp() - attemptStart,
                    context.RequestAborted.IsCancellationRequested ? ClientDisconnected : errorType);
            }
        }

        return null;
    }

    private static GatewayError Attempted(RequestRecord record, string target, long attemptStart, GatewayError error, int status = 0)
    {
        record.Attempt = new UpstreamAttempt(target, status, Stopwatch.GetTimestamp() - attemptStart, error.Code);
        return error;
    }

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
            Estimate(record, input);
        }

        var book = await prices.GetAsync(FirstPriceLoadWait);
        usageRecorder.Record(UsageEventBuilder.Build(record, book, end));
    }

    /// <summary>The provider answered without usage: count with the tokenizer, after the client has its answer.</summary>
    private void Estimate(RequestRecord record, EstimationInput input)
    {
        try
        {
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} unreachable: {Reason}")]
    private static partial void LogUpstreamUnreachable(ILogger logger, string provider, HttpRequestError reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure on request {TraceId}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string traceId);
}
