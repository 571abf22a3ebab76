namespace Gateway.Edge.Tests.Hostile;

/// <summary>An endpoint under attack with its valid body as ordered JSON fields (name, raw JSON value), so mutations
/// can swap one value for a wrong one, duplicate a key or drop one. Every body carries the prompt marker.</summary>
internal sealed record HostileEndpoint(string Path, string VirtualKey, IReadOnlyList<KeyValuePair<string, string>> Fields)
{
    public static IReadOnlyList<HostileEndpoint> All(HostileEdge edge)
    {
        var prompt = "\"" + edge.PromptMarker + " tell me a story\"";
        var messages = "[{\"role\":\"user\",\"content\":" + prompt + "}]";
        return
        [
            new("/v1/chat/completions", edge.OpenAiKey, Pairs(("model", "\"gpt-4o-mini\""), ("messages", messages), ("max_tokens", "16"), ("stream", "false"))),
            new("/v1/completions", edge.OpenAiKey, Pairs(("model", "\"gpt-3.5-turbo-instruct\""), ("prompt", prompt), ("max_tokens", "16"), ("stream", "false"))),
            new("/v1/embeddings", edge.OpenAiKey, Pairs(("model", "\"text-embedding-3-small\""), ("input", prompt))),
            // Translated to the OpenAI wire format, and forwarded as is to Anthropic.
            new("/v1/messages", edge.OpenAiKey, Pairs(("model", "\"gpt-4o-mini\""), ("max_tokens", "16"), ("messages", messages), ("stream", "false"))),
            new("/v1/messages", edge.AnthropicKey, Pairs(("model", "\"claude-3-5-haiku-latest\""), ("max_tokens", "16"), ("messages", messages), ("stream", "false"))),
            // Passthrough: forwarded without interpretation.
            new("/v1/responses", edge.OpenAiKey, Pairs(("model", "\"gpt-4o-mini\""), ("input", prompt))),
        ];
    }

    public string Json(IEnumerable<KeyValuePair<string, string>>? fields = null) =>
        "{" + string.Join(",", (fields ?? Fields).Select(pair => "\"" + pair.Key + "\":" + pair.Value)) + "}";

    public IReadOnlyList<KeyValuePair<string, string>> With(string name, string rawValue) =>
        [.. Fields.Select(pair => pair.Key == name ? new KeyValuePair<string, string>(name, rawValue) : pair)];

    private static IReadOnlyList<KeyValuePair<string, string>> Pairs(params (string Name, string Value)[] pairs) =>
        [.. pairs.Select(pair => new KeyValuePair<string, string>(pair.Name, pair.Value))];
}
