namespace Gateway.Analytics.Queries;

/// <summary>A validated ListRequests question for one tenant; null/empty fields do not filter.</summary>
internal sealed record RequestLogFilter(
    string TenantId,
    DateTime? Start,
    DateTime? End,
    string User,
    IReadOnlyDictionary<string, string> Metadata,
    string Model,
    string Provider,
    int StatusCode,
    bool ErrorsOnly,
    bool? Cached,
    string TraceId,
    int PageSize,
    RequestCursor? After);
