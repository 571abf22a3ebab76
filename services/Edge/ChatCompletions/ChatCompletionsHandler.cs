using System.Diagnostics;
using Gateway.Edge.Auth;
using Gateway.Edge.Errors;
using Gateway.Edge.Http;
using Gateway.Edge.Options;
using Gateway.Edge.Pricing;
using Gateway.Edge.Providers;
using Gateway.Edge.Proxy;
using Gateway.Edge.Usage;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.ChatCompletions;

/// <summary><c>POST /v1/chat/completions</c>: authenticate, resolve the provider credential, validate the body,
/// forward, relay the answer, then record one usage event (errors after authentication included).</summary>
internal sealed partial class ChatCompletionsHandler(
    ApiKeyResolver apiKeys,
    ProviderTargetResolver targets,
    ProviderRegistry providers,
    PriceCatalog prices,
    IUsageRecorder usageRecorder,
    IOptions<EdgeOptions> options,
    ILogger<ChatCompletionsHandler> logger)
{
    public const string Route = "/v1/chat/completions";
    private const string ClientDisconnected = "client_disconnected";

    /// <summary>Right after start-up the price table may still be loading; the event waits for it this long.</summary>
    private static readonly TimeSpan FirstPriceLoadWait = TimeSpan.FromSeconds(5);

    private readonly EdgeOptions _options = options.Value;

    public async Task HandleAsync(HttpContext context)
    {
        var traceId = TraceIds.Resolve(context.Request.Headers);
        context.Response.Headers[GatewayHeaders.TraceId] = traceId;
        var record = new RequestRecord(Route, traceId);
        try
        {
            if (await ProcessAsync(context, record) is { } error)
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

    private async Task<GatewayError?> ProcessAsync(HttpContext context, RequestRecord record)
    {
        var headers = context.Request.Headers;
        var cancellationToken = context.RequestAborted;

        var keys = GatewayKeyReader.Read(headers);
        if (keys.GatewayKey is not { } apiKey)
        {
            return GatewayError.MissingApiKey();
        }

        var caller = await apiKeys.ResolveAsync(apiKey, cancellationToken);
        if (caller.Error is { } callerError)
        {
            return callerError;
        }

        record.Caller = caller.Value!;

        // Every header is checked before anything reaches a provider, so a bad header costs no upstream call.
        var read = GatewayRequestHeaders.Read(headers, _options.UpstreamTimeout);
        if (read.Error is { } headerError)
        {
            return headerError;
        }

        var gatewayHeaders = read.Value!;
        record.User = gatewayHeaders.Metadata.User;
        record.Metadata = gatewayHeaders.Metadata.Values;

        var requestedProvider = GatewayHeaders.First(headers, GatewayHeaders.Provider, GatewayHeaders.PortkeyProvider)?.Trim().ToLowerInvariant();
        record.Provider = requestedProvider ?? "";
        var resolved = await targets.ResolveAsync(record.Caller.TenantId, headers, keys.ProviderKey, requestedProvider,
            gatewayHeaders.CustomHost, cancellationToken);
        if (resolved.Error is { } targetError)
        {
            return targetError;
        }

        var target = resolved.Value!;
        record.VirtualKeyId = target.VirtualKeyId;
        record.Provider = target.Provider;
        if (!providers.TryGet(target.Provider, out var provider))
        {
            return GatewayError.UnsupportedProvider(target.Provider);
        }

        var bodyRead = await RequestBody.ReadAsync(context, _options.MaxRequestBodyBytes, cancellationToken);
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

        var info = scanned.Value!;
        record.Model = info.Model;
        record.Stream = info.Stream;
        var request = new ChatRequest(body.Memory, info) { ForwardHeaders = gatewayHeaders.ForwardHeaders };
        return await ForwardAsync(context, record, provider, request, target, gatewayHeaders.Timeout);
    }

    /// <param name="timeout">The whole upstream exchange: the Edge's, or the client's shorter request timeout.</param>
    private async Task<GatewayError?> ForwardAsync(HttpContext context, RequestRecord record, IChatProvider provider,
        ChatRequest request, ProviderTarget target, TimeSpan timeout)
    {
        var response = context.Response;
        using var upstreamCancellation = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        upstreamCancellation.CancelAfter(timeout);
        var cancellationToken = upstreamCancellation.Token;
        var attemptStart = Stopwatch.GetTimestamp();

        UpstreamResponse upstream;
        try
        {
            upstream = await provider.SendAsync(request, target, cancellationToken);
        }
        catch (GatewayErrorException ex)
        {
            return ex.Error;
        }
        catch (HttpRequestException ex) when (!context.RequestAborted.IsCancellationRequested)
        {
            LogUpstreamUnreachable(logger, provider.Name, ex.HttpRequestError);
            return Attempted(record, "", attemptStart, GatewayError.UpstreamUnreachable(provider.Name));
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            // Our deadline, or the connection pool's connect timeout (the provider is then unreachable, not slow).
            return Attempted(record, "", attemptStart, upstreamCancellation.IsCancellationRequested
                ? GatewayError.UpstreamTimeout(provider.Name, timeout)
                : GatewayError.UpstreamUnreachable(provider.Name));
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
                    await ResponseRelay.RelayErrorAsync(upstream, provider.Name, response, record, cancellationToken);
                }
                else if (upstream.IsEventStream)
                {
                    await ResponseRelay.RelayStreamAsync(upstream, response, request.Info.IncludeUsage, record, cancellationToken);
                }
                else
                {
                    await ResponseRelay.RelayBufferedAsync(upstream, response, record, cancellationToken);
                }
            }
            catch (Exception ex) when (!context.RequestAborted.IsCancellationRequested
                                       && ex is OperationCanceledException or IOException or HttpRequestException)
            {
                // The provider failed after answering: timed out or dropped the connection mid-body.
                var error = ex is OperationCanceledException
                    ? GatewayError.UpstreamTimeout(provider.Name, timeout)
                    : new GatewayError(StatusCodes.Status502BadGateway, ErrorTypes.Gateway, "upstream_stream_error",
                        $"The connection to provider '{provider.Name}' failed while the answer was being received.");
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

        var book = await prices.GetAsync(FirstPriceLoadWait);
        usageRecorder.Record(UsageEventBuilder.Build(record, book, end));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Provider {Provider} unreachable: {Reason}")]
    private static partial void LogUpstreamUnreachable(ILogger logger, string provider, HttpRequestError reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Unexpected failure on request {TraceId}")]
    private static partial void LogUnexpected(ILogger logger, Exception exception, string traceId);
}
