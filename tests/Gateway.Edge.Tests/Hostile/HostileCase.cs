namespace Gateway.Edge.Tests.Hostile;

/// <summary>What a hostile request may legitimately get back.</summary>
internal enum Expect
{
    /// <summary>A client mistake: a 4xx with a JSON error (never 2xx, never 5xx).</summary>
    ClientError,

    /// <summary>A body over the Edge's limit: 413 with a JSON error.</summary>
    TooLarge,

    /// <summary>A missing or bad gateway key: 401 with a JSON error.</summary>
    Unauthorized,

    /// <summary>Strange but well-formed (a valid JSON object with odd values): success or a 4xx JSON error.</summary>
    MaySucceed,
}

/// <summary>One request of the hostile corpus. <paramref name="KestrelStatus"/> is the status with which Kestrel
/// itself may answer, before the app runs, with its own empty body (431 for header floods, 400 for bytes HTTP/1.1
/// forbids in a header); 0 when only the app may answer.</summary>
internal sealed record HostileCase(
    string Name,
    string Method,
    string Path,
    byte[]? Body,
    string? ContentType,
    IReadOnlyList<KeyValuePair<string, string>> Headers,
    Expect Expect,
    int KestrelStatus = 0,
    bool Chunked = false)
{
    /// <summary>/v1/messages answers errors in Anthropic's shape, which its SDKs parse.</summary>
    public bool AnthropicErrors => Path.StartsWith("/v1/messages", StringComparison.Ordinal);

    public override string ToString() => $"{Name} ({Method} {Path}, {Body?.Length ?? 0} bytes)";
}
