namespace Gateway.Edge.ChatCompletions;

/// <summary>What the gateway needs to know of a chat request; the body itself is forwarded as the client sent it.</summary>
/// <param name="IncludeUsage">The client asked for the usage chunk (<c>stream_options.include_usage</c>).</param>
/// <param name="IncludeUsageEdit">How to turn <c>include_usage</c> on upstream, or null when it already is.</param>
internal sealed record ChatRequestInfo(string Model, bool Stream, bool IncludeUsage, BodyEdit? IncludeUsageEdit);
