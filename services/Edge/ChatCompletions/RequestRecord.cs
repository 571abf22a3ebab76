using System.Diagnostics;
using Gateway.Edge.Auth;
using Gateway.Edge.Pricing;

namespace Gateway.Edge.ChatCompletions;

/// <summary>Everything one request learns on its way through the pipeline, turned into its usage event at the end.</summary>
internal sealed class RequestRecord(string endpoint, string traceId)
{
    public long StartTimestamp { get; } = Stopwatch.GetTimestamp();

    public DateTime StartedAt { get; } = DateTime.UtcNow;

    public string Endpoint { get; } = endpoint;

    public string TraceId { get; } = traceId;

    /// <summary>Null until the gateway key is resolved; unauthenticated requests are billed to no one.</summary>
    public CallerIdentity? Caller { get; set; }

    public string VirtualKeyId { get; set; } = "";

    /// <summary>The requester (<c>x-gateway-user</c> and aliases); empty when none was named.</summary>
    public string User { get; set; } = "";

    public IReadOnlyDictionary<string, string>? Metadata { get; set; }

    public string Provider { get; set; } = "";

    public string Model { get; set; } = "";

    public bool Stream { get; set; }

    /// <summary>HIT, MISS or REFRESH when the request used the response cache; empty when it did not.</summary>
    public string CacheStatus { get; set; } = "";

    /// <summary>On a cache hit: the price of the stored answer's tokens, which the hit did not pay.</summary>
    public decimal SavedCostUsd { get; set; }

    /// <summary>The status the client got (499 when it went away first).</summary>
    public int StatusCode { get; private set; } = StatusCodes.Status200OK;

    /// <summary>Empty on success; otherwise the gateway error code or <c>upstream_&lt;status&gt;</c>.</summary>
    public string ErrorType { get; private set; } = "";

    public TokenUsage? Usage { get; set; }

    /// <summary>The served model and answer text the relay saw (for pricing by the served model and for estimation).</summary>
    public Proxy.AnswerCapture Answer { get; } = new();

    /// <summary>True when <see cref="Usage"/> was counted by the gateway's tokenizer because the provider reported none.</summary>
    public bool TokensEstimated { get; set; }

    /// <summary>The request's text, captured by the handler only when a successful answer carried no usage; the
    /// pipeline estimates from it after the response is complete.</summary>
    public Gateway.Edge.Usage.EstimationInput? EstimationInput { get; set; }

    public long? FirstByteTimestamp { get; private set; }

    private readonly List<UpstreamAttempt> _attempts = [];

    /// <summary>Every target tried, in order (retries and fallbacks included); the last one served or failed last.</summary>
    public IReadOnlyList<UpstreamAttempt> Attempts => _attempts;

    /// <summary>The last attempt: the one that served the request, when one did.</summary>
    public UpstreamAttempt? Attempt => _attempts.Count > 0 ? _attempts[^1] : null;

    /// <summary>What the request reserved against the tenant's limits; settled with the actual cost at the end.</summary>
    public Limits.Admission? Admission { get; set; }

    public void AddAttempt(UpstreamAttempt attempt) => _attempts.Add(attempt);

    public void MarkFirstByte() => FirstByteTimestamp ??= Stopwatch.GetTimestamp();

    public void Fail(int statusCode, string errorType)
    {
        StatusCode = statusCode;
        ErrorType = errorType;
    }

    /// <summary>Keeps the status already sent (a stream that failed mid-way still answered 200) but notes the error.</summary>
    public void FailAfterStart(string errorType) => ErrorType = errorType;
}

/// <summary>One call to a provider: where it went, what it answered, how long it took. Targets the router skipped
/// (circuit open, provider or model not allowed) are attempts with status 0 and that error type.</summary>
internal sealed record UpstreamAttempt(string Target, int StatusCode, long LatencyTicks, string ErrorType)
{
    public string Provider { get; init; } = "";

    /// <summary>The model sent (after the target's override_params).</summary>
    public string Model { get; init; } = "";
}
