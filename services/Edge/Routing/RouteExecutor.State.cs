using System.Diagnostics;
using System.Text.Json;
using Gateway.Contracts.Routing;
using Gateway.Edge.Auth;
using Gateway.Edge.ChatCompletions;
using Gateway.Edge.Pipeline;

namespace Gateway.Edge.Routing;

/// <summary>The state <see cref="RouteExecutor"/> carries through one request.</summary>
internal sealed partial class RouteExecutor
{
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
