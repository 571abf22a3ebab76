using Gateway.Contracts.Usage.V1;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Gateway.Edge.Usage;

/// <summary>Drains <see cref="UsageQueue"/> in the background: gathers up to BatchSize events (waiting at most
/// FlushInterval for a partial batch), sends each batch until it is accepted (exponential backoff with jitter), and on
/// shutdown flushes what is queued for up to <see cref="ShutdownOptions.UsageFlushTimeout"/>.</summary>
internal sealed partial class UsagePublisher(
    UsageQueue queue, IUsageSink sink, UsageMetrics metrics, IOptions<UsageOptions> options,
    IOptions<ShutdownOptions> shutdown, ILogger<UsagePublisher> logger)
    : IHostedLifecycleService, IDisposable
{
    private static readonly TimeSpan FirstRetryDelay = TimeSpan.FromMilliseconds(100);

    private readonly UsageOptions _options = options.Value;
    private readonly CancellationTokenSource _abort = new();
    private Task _loop = Task.CompletedTask;

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogTransport(logger, sink.Name);
        _loop = Task.Run(() => RunAsync(_abort.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Nothing yet: the server may still be draining requests whose events are not recorded yet.</summary>
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Runs once every hosted service has stopped, the web server included, so every finished request's
    /// event is queued whatever the registration order. New events are refused from here on; the loop sends what is
    /// queued, then ends.</summary>
    public async Task StoppedAsync(CancellationToken cancellationToken)
    {
        queue.Complete();
        if (_loop.IsCompleted)
        {
            return;
        }

        // Its own deadline rather than the host's token: draining long streams may have used up the host's whole
        // shutdown timeout, and an event lost here is a request nobody is billed for.
        _abort.CancelAfter(shutdown.Value.UsageFlushTimeout);
        await _loop;
    }

    public void Dispose() => _abort.Dispose();

    private async Task RunAsync(CancellationToken abort)
    {
        var batch = new UsageBatch();
        try
        {
            while (await queue.Reader.WaitToReadAsync(abort))
            {
                await GatherAsync(batch, abort);
                await SendUntilAcceptedAsync(batch, abort);
                metrics.Published(batch.Events.Count);
                batch = new UsageBatch();
            }
        }
        catch (OperationCanceledException) when (abort.IsCancellationRequested)
        {
            var lost = batch.Events.Count + queue.Reader.Count;
            if (lost > 0)
            {
                metrics.Dropped(lost);
                LogLostOnShutdown(logger, lost);
            }
        }
    }

    private async Task GatherAsync(UsageBatch batch, CancellationToken abort)
    {
        var reader = queue.Reader;
        using var linger = CancellationTokenSource.CreateLinkedTokenSource(abort);
        linger.CancelAfter(_options.FlushInterval);
        while (batch.Events.Count < _options.BatchSize)
        {
            while (batch.Events.Count < _options.BatchSize && reader.TryRead(out var usageEvent))
            {
                batch.Events.Add(usageEvent);
            }

            if (batch.Events.Count >= _options.BatchSize)
            {
                return;
            }

            try
            {
                if (!await reader.WaitToReadAsync(linger.Token))
                {
                    return; // completed: shutting down, send what we have
                }
            }
            catch (OperationCanceledException) when (!abort.IsCancellationRequested)
            {
                return; // the flush interval ran out: send the partial batch
            }
        }
    }

    private async Task SendUntilAcceptedAsync(UsageBatch batch, CancellationToken abort)
    {
        var delay = FirstRetryDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await sink.SendAsync(batch, abort);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !abort.IsCancellationRequested)
            {
                metrics.SendFailed();
                LogSendFailed(logger, batch.Events.Count, sink.Name, attempt, ex.GetType().Name, ex.Message);
                var jitter = Random.Shared.NextDouble() * 0.5 + 0.75;
                await Task.Delay(delay * jitter, abort);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.MaxRetryDelay.Ticks));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Usage events are delivered through the {Transport} transport")]
    private static partial void LogTransport(ILogger logger, string transport);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Delivering {Count} usage events via {Transport} failed (attempt {Attempt}, {ErrorType}: {Error}); retrying")]
    private static partial void LogSendFailed(ILogger logger, int count, string transport, int attempt, string errorType, string error);

    [LoggerMessage(Level = LogLevel.Error, Message = "Shutdown deadline reached: {Count} usage events were not delivered")]
    private static partial void LogLostOnShutdown(ILogger logger, int count);
}
