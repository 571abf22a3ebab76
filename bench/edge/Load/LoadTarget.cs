namespace Gateway.Bench.Edge.Load;

/// <summary>One kind of request the load sends: where to, with which headers and body.</summary>
internal sealed record LoadTarget(string Url, IReadOnlyList<KeyValuePair<string, string>> Headers, string Body)
{
    public const string Path = "/v1/chat/completions";

    public static string ChatBody(bool stream, string text) => stream
        ? $$"""{"model":"gpt-4o-mini","stream":true,"stream_options":{"include_usage":true},"max_tokens":64,"messages":[{"role":"user","content":"{{text}}"}]}"""
        : $$"""{"model":"gpt-4o-mini","max_tokens":64,"messages":[{"role":"user","content":"{{text}}"}]}""";

    /// <summary>The fake upstream itself: no headers beyond what a provider client sends.</summary>
    public static LoadTarget Direct(string upstreamUrl, string body) =>
        new(upstreamUrl + Path, [new("Authorization", "Bearer sk-bench-not-a-real-key")], body);

    /// <summary>Through the Edge with a gateway key and the virtual key of the fake upstream.</summary>
    public static LoadTarget ThroughEdge(string edgeUrl, string apiKey, string virtualKey, string body, bool cache) =>
        new(edgeUrl + Path,
            cache
                ? [new("Authorization", "Bearer " + apiKey), new("x-gateway-virtual-key", virtualKey), new("x-gateway-cache", "true")]
                : [new("Authorization", "Bearer " + apiKey), new("x-gateway-virtual-key", virtualKey)],
            body);
}
