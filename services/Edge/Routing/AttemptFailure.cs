using Gateway.Edge.Errors;

namespace Gateway.Edge.Routing;

/// <summary>Why a target did not serve the request, and what the client gets if nothing else does.</summary>
internal sealed record AttemptFailure(int StatusCode, FailureKind Kind)
{
    /// <summary>The gateway's answer, when the failure is not a provider's own error response.</summary>
    public GatewayError? Error { get; init; }

    /// <summary>The provider's error response, read in full so another target can still be tried.</summary>
    public BufferedUpstreamError? Upstream { get; init; }

    /// <summary>The provider's <c>Retry-After</c>.</summary>
    public TimeSpan? RetryAfter { get; init; }

    public static AttemptFailure Skipped(GatewayError error) => new(error.StatusCode, FailureKind.NotAttempted) { Error = error };

    public static AttemptFailure Transport(GatewayError error) => new(error.StatusCode, FailureKind.Transport) { Error = error };

    /// <summary>Nothing else may be tried (the client's limits refused the request, or no route matches).</summary>
    public static AttemptFailure Final(GatewayError error) => new(error.StatusCode, FailureKind.Final) { Error = error };
}

internal enum FailureKind
{
    /// <summary>The provider answered with an error status.</summary>
    Status,

    /// <summary>Timeout, connection refused or reset, a stream that died before its first byte.</summary>
    Transport,

    /// <summary>The target was not called: circuit open, not allowed, unresolvable, unsupported here.</summary>
    NotAttempted,

    Final,
}

/// <summary>A provider's error answer held in memory: status, the headers the client would see, body.</summary>
internal sealed record BufferedUpstreamError(int StatusCode, string Provider, IReadOnlyList<KeyValuePair<string, string>> Headers, byte[] Body);
