using System.Diagnostics;
using System.Globalization;
using Gateway.Edge.ChatCompletions;
using Gateway.Edge.Errors;
using Gateway.Edge.Http;
using Gateway.Edge.Limits;
using Gateway.Edge.Pipeline;
using Gateway.Edge.Providers;

namespace Gateway.Edge.Routing;

/// <summary>One upstream attempt of <see cref="RouteExecutor"/>: admission, the call, the response bookkeeping.</summary>
internal sealed partial class RouteExecutor
{
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
        catch (HttpRequestException ex) when (GatewayError.ClientBodyFailure(ex) is { } clientBody)
        {
            // A body streamed upstream as it arrives (passthrough) broke Kestrel's limits: the client's mistake.
            var limit = context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()?.MaxRequestBodySize ?? 0;
            return AttemptFailure.Skipped(GatewayError.UnreadableBody(clientBody, limit));
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
                var error = ex is OperationCanceledException ? GatewayError.UpstreamTimeout(attempt.Provider, nominal)
                    : ex is UpstreamResponseTooLargeException tooLarge ? GatewayError.UpstreamResponseTooLarge(attempt.Provider, tooLarge.Message)
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
}
