using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Testing.Dapr;

/// <summary>A test double of a Dapr sidecar's pub/sub, for an app under test that publishes through DaprClient
/// (point it at <see cref="GrpcEndpoint"/> with DAPR_GRPC_ENDPOINT) and/or subscribes over HTTP (the app at the
/// address given to <see cref="StartAsync"/>).
/// <para>Like Dapr it acknowledges a publish at once and delivers asynchronously: it reads the app's
/// <c>GET /dapr/subscribe</c>, POSTs each message as a CloudEvent to the subscribed route and honours the answer
/// (SUCCESS/2xx done; RETRY or a non-404 error redelivered with backoff up to <see cref="FakeDaprSidecarOptions.MaxAttempts"/>;
/// DROP or 404 to the dead-letter topic). Messages published to a topic the app does not subscribe to are discarded.</para>
/// <para>Tests wait with <see cref="WaitForIdleAsync"/> / <see cref="WaitUntilAsync"/>, never with sleeps.</para></summary>
public sealed class FakeDaprSidecar : IAsyncDisposable
{
    private const string Source = "fake-dapr-sidecar";

    private readonly Lock _gate = new();
    private readonly List<PublishedMessage> _published = [];
    private readonly List<DeliveryAttempt> _attempts = [];
    private readonly List<DeliveryResult> _delivered = [];
    private readonly List<DeadLetteredMessage> _deadLettered = [];
    private readonly CancellationTokenSource _stopping = new();
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    private TaskCompletionSource _changed = NewSignal();
    private int _rejectedPublishes;
    private int _pendingDeliveries;
    private IReadOnlyList<DaprSubscription>? _subscriptions;
    private WebApplication? _app;
    private Uri? _appAddress;

    public FakeDaprSidecar(FakeDaprSidecarOptions? options = null)
    {
        Options = options ?? new FakeDaprSidecarOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.DeliverEachMessageTimes, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Options.MaxAttempts, 1);
    }

    public FakeDaprSidecarOptions Options { get; }

    /// <summary>The sidecar's gRPC address, "http://127.0.0.1:port": the publisher's DAPR_GRPC_ENDPOINT.</summary>
    public string GrpcEndpoint => $"http://127.0.0.1:{GrpcPort}";

    /// <summary>The sidecar's gRPC port: the publisher's DAPR_GRPC_PORT.</summary>
    public int GrpcPort { get; private set; }

    /// <summary>When set, publish calls fail with this status (a sidecar that is down or rejecting), e.g. to test a
    /// publisher's retries. Nothing is recorded while it is set.</summary>
    public StatusCode? RejectPublishesWith { get; set; }

    /// <summary>How many publish calls were refused because of <see cref="RejectPublishesWith"/>.</summary>
    public int RejectedPublishes => Volatile.Read(ref _rejectedPublishes);

    /// <summary>Every accepted message, in publish order.</summary>
    public IReadOnlyList<PublishedMessage> Published => Snapshot(_published);

    /// <summary>Every POST to the app, with what its answer meant.</summary>
    public IReadOnlyList<DeliveryAttempt> Attempts => Snapshot(_attempts);

    /// <summary>The final outcome of every settled delivery.</summary>
    public IReadOnlyList<DeliveryResult> Delivered => Snapshot(_delivered);

    /// <summary>Messages sent to their subscription's dead-letter topic (DROP, 404, retries exhausted).</summary>
    public IReadOnlyList<DeadLetteredMessage> DeadLettered => Snapshot(_deadLettered);

    /// <summary>Deliveries started and not yet settled.</summary>
    public int PendingDeliveries => Volatile.Read(ref _pendingDeliveries);

    /// <summary>Starts the gRPC endpoint on a free loopback port. <paramref name="appBaseAddress"/> is the app's HTTP
    /// endpoint (its subscriptions are read from there on the first delivery); null for a publish-only sidecar, which
    /// records messages and discards them like a topic without subscribers.</summary>
    public async Task StartAsync(Uri? appBaseAddress)
    {
        if (_app is not null)
        {
            throw new InvalidOperationException("The sidecar is already started.");
        }

        _appAddress = appBaseAddress;

        // An empty builder: no appsettings.json, whatever the test's working directory holds.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddRouting();
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(this);
        builder.Services.AddSingleton<DaprPublishApi>();
        builder.Services.AddSingleton<IServiceMethodProvider<DaprPublishApi>, DaprPublishMethods>();

        var app = builder.Build();
        app.MapGrpcService<DaprPublishApi>();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>()
            .Addresses.First();
        GrpcPort = new Uri(address).Port;
        _app = app;
    }

    /// <summary>Publishes arbitrary bytes as if a publisher had (e.g. a poison message), bypassing gRPC.</summary>
    public PublishedMessage PublishRaw(string pubsubName, string topic, string data, string dataContentType = "application/json") =>
        Accept(pubsubName, topic, Encoding.UTF8.GetBytes(data), dataContentType, new Dictionary<string, string>());

    /// <summary>Async form of <see cref="PublishRaw"/> for symmetry with DaprClient's publish calls.</summary>
    public Task<PublishedMessage> PublishRawAsync(string pubsubName, string topic, string data,
        string dataContentType = "application/json") =>
        Task.FromResult(PublishRaw(pubsubName, topic, data, dataContentType));

    /// <summary>Waits until every delivery has settled (success, drop, dead letter).</summary>
    public Task WaitForIdleAsync(TimeSpan timeout) =>
        WaitUntilAsync(sidecar => sidecar.PendingDeliveries == 0, timeout, "all deliveries to settle");

    /// <summary>Waits until at least <paramref name="count"/> messages were published and every delivery settled: for
    /// publishers that publish in the background.</summary>
    public Task WaitForPublishedAsync(int count, TimeSpan timeout) =>
        WaitUntilAsync(sidecar => sidecar.Published.Count >= count && sidecar.PendingDeliveries == 0, timeout,
            $"{count} published message(s) to settle");

    /// <summary>Waits until <paramref name="condition"/> holds; re-evaluated on every change of the sidecar's state.</summary>
    /// <exception cref="TimeoutException">It did not hold within <paramref name="timeout"/>.</exception>
    public async Task WaitUntilAsync(Func<FakeDaprSidecar, bool> condition, TimeSpan timeout, string? description = null)
    {
        using var deadline = new CancellationTokenSource(timeout);
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            if (condition(this))
            {
                return;
            }

            try
            {
                await changed.WaitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"The fake Dapr sidecar did not reach {description ?? "the condition"} within " +
                    $"{timeout}: {Published.Count} published, {Attempts.Count} attempts, {Delivered.Count} settled, " +
                    $"{PendingDeliveries} pending, {DeadLettered.Count} dead-lettered.");
            }
        }
    }

    /// <summary>Every attempt of one message, in order.</summary>
    public IReadOnlyList<DeliveryAttempt> AttemptsFor(string messageId) =>
        [.. Attempts.Where(attempt => attempt.MessageId == messageId)];

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        _http.Dispose();
        _stopping.Dispose();
    }

    /// <summary>Fails a publish the way Dapr does for an unknown component, or as configured.</summary>
    internal void CheckPublish(string pubsubName, string topic)
    {
        if (RejectPublishesWith is { } status)
        {
            Interlocked.Increment(ref _rejectedPublishes);
            NotifyChanged();
            throw new RpcException(new Status(status, "The fake sidecar is rejecting publishes."));
        }

        if (string.IsNullOrEmpty(pubsubName) || !Options.PubsubNames.Contains(pubsubName))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"pubsub {pubsubName} is not found"));
        }

        if (string.IsNullOrEmpty(topic))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"topic is empty in pubsub {pubsubName}"));
        }
    }

    /// <summary>Records a message and starts its deliveries; returns before any of them runs, like Dapr's ack.</summary>
    internal PublishedMessage Accept(string pubsubName, string topic, ReadOnlyMemory<byte> data, string dataContentType,
        IReadOnlyDictionary<string, string> metadata)
    {
        var message = new PublishedMessage(Guid.NewGuid().ToString(), pubsubName, topic, data.ToArray(), dataContentType, metadata);
        lock (_gate)
        {
            _published.Add(message);
            _pendingDeliveries += Options.DeliverEachMessageTimes;
        }

        for (var delivery = 1; delivery <= Options.DeliverEachMessageTimes; delivery++)
        {
            var number = delivery;
            _ = Task.Run(() => DeliverAsync(message, number));
        }

        NotifyChanged();
        return message;
    }

    private async Task DeliverAsync(PublishedMessage message, int delivery)
    {
        var outcome = DeliveryOutcome.RetriesExhausted;
        var attempt = 0;
        var stopped = false;
        try
        {
            var subscription = _appAddress is null ? null : await FindSubscriptionAsync(message);
            if (subscription is null)
            {
                outcome = DeliveryOutcome.NoSubscriber;
                return;
            }

            for (attempt = 1; attempt <= Options.MaxAttempts; attempt++)
            {
                var (answer, statusCode) = await PostAsync(message, subscription);
                Record(_attempts, new DeliveryAttempt(message.Id, delivery, attempt, answer, statusCode));
                if (answer is DeliveryOutcome.Success)
                {
                    outcome = answer;
                    return;
                }

                if (answer is DeliveryOutcome.Drop or DeliveryOutcome.NotFound)
                {
                    outcome = answer;
                    DeadLetter(message, subscription, answer);
                    return;
                }

                if (attempt < Options.MaxAttempts)
                {
                    await Task.Delay(Backoff(attempt), _stopping.Token);
                }
            }

            attempt = Options.MaxAttempts;
            DeadLetter(message, subscription, DeliveryOutcome.RetriesExhausted);
        }
        catch (OperationCanceledException) when (_stopping.IsCancellationRequested)
        {
            // Disposed mid-delivery: no final outcome, as with a sidecar that went away.
            stopped = true;
        }
        finally
        {
            if (!stopped)
            {
                Record(_delivered, new DeliveryResult(message.Id, delivery, outcome, attempt));
            }

            lock (_gate)
            {
                _pendingDeliveries--;
            }

            NotifyChanged();
        }
    }

    private async Task<(DeliveryOutcome Outcome, int? StatusCode)> PostAsync(PublishedMessage message, DaprSubscription subscription)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_appAddress!, subscription.Route));
        request.Content = subscription.RawPayload
            ? new ByteArrayContent(message.Data.ToArray()) { Headers = { ContentType = MediaTypeHeaderValue.Parse(message.DataContentType) } }
            : new ByteArrayContent(CloudEventEnvelope.Create(message, Source))
            {
                Headers = { ContentType = new MediaTypeHeaderValue(CloudEventEnvelope.ContentType) },
            };
        if (Options.AppApiToken is { } token)
        {
            request.Headers.Add("dapr-api-token", token);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token);
        timeout.CancelAfter(Options.AttemptTimeout);
        try
        {
            using var response = await _http.SendAsync(request, timeout.Token);
            var statusCode = (int)response.StatusCode;
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return (DeliveryOutcome.NotFound, statusCode);
            }

            if (!response.IsSuccessStatusCode)
            {
                return (DeliveryOutcome.Error, statusCode);
            }

            return (Interpret(await response.Content.ReadAsStringAsync(timeout.Token)), statusCode);
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !_stopping.IsCancellationRequested))
        {
            return (DeliveryOutcome.Error, null);
        }
    }

    /// <summary>A 2xx body: empty or without a status means success; otherwise the status decides.</summary>
    private static DeliveryOutcome Interpret(string body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return DeliveryOutcome.Success;
        }

        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("status", out var status)
                || status.ValueKind != JsonValueKind.String
                || string.IsNullOrEmpty(status.GetString()))
            {
                return DeliveryOutcome.Success;
            }

            return status.GetString()!.ToUpperInvariant() switch
            {
                "SUCCESS" => DeliveryOutcome.Success,
                "RETRY" => DeliveryOutcome.Retry,
                "DROP" => DeliveryOutcome.Drop,
                _ => DeliveryOutcome.Error,
            };
        }
        catch (JsonException)
        {
            return DeliveryOutcome.Success;
        }
    }

    private async Task<DaprSubscription?> FindSubscriptionAsync(PublishedMessage message)
    {
        var subscriptions = _subscriptions ?? await LoadSubscriptionsAsync();
        foreach (var subscription in subscriptions)
        {
            if (subscription.PubsubName == message.PubsubName && subscription.Topic == message.Topic)
            {
                return subscription;
            }
        }

        return null;
    }

    /// <summary>Reads <c>GET /dapr/subscribe</c> once (Dapr reads it at start); retried until the app answers.</summary>
    private async Task<IReadOnlyList<DaprSubscription>> LoadSubscriptionsAsync()
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var response = await _http.GetAsync(new Uri(_appAddress!, "/dapr/subscribe"), _stopping.Token);
                var subscriptions = response.StatusCode == HttpStatusCode.NotFound
                    ? []
                    : DaprSubscription.ParseList(await response.EnsureSuccessStatusCode().Content.ReadAsStringAsync(_stopping.Token));
                _subscriptions = subscriptions;
                return subscriptions;
            }
            catch (HttpRequestException) when (attempt < Options.MaxAttempts)
            {
                await Task.Delay(Backoff(attempt), _stopping.Token);
            }
        }
    }

    private TimeSpan Backoff(int attempt)
    {
        var delay = Options.RetryDelay * Math.Pow(2, Math.Min(attempt - 1, 16));
        return delay < Options.MaxRetryDelay ? delay : Options.MaxRetryDelay;
    }

    private void DeadLetter(PublishedMessage message, DaprSubscription subscription, DeliveryOutcome reason)
    {
        if (subscription.DeadLetterTopic is { } topic)
        {
            Record(_deadLettered, new DeadLetteredMessage(message, topic, reason));
        }
    }

    private void Record<T>(List<T> list, T item)
    {
        lock (_gate)
        {
            list.Add(item);
        }

        NotifyChanged();
    }

    private IReadOnlyList<T> Snapshot<T>(List<T> list)
    {
        lock (_gate)
        {
            return [.. list];
        }
    }

    private void NotifyChanged()
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            changed = _changed;
            _changed = NewSignal();
        }

        changed.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
