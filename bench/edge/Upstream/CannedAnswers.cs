using System.Text;

namespace Gateway.Bench.Edge.Upstream;

/// <summary>Fixed OpenAI chat completion answers, encoded once, so the fake upstream spends nothing per request on
/// building them: the benchmark measures the Edge, not the upstream.</summary>
internal static class CannedAnswers
{
    public static readonly byte[] Completion = Encoding.UTF8.GetBytes(
        """{"id":"chatcmpl-bench","object":"chat.completion","created":1763856000,"model":"gpt-4o-mini","choices":[{"index":0,"message":{"role":"assistant","content":"Hello from the benchmark upstream."},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}}""");

    /// <summary>One SSE event per element, each flushed on its own as a provider streams tokens; the usage chunk comes
    /// last before <c>[DONE]</c>, as OpenAI sends it for <c>stream_options.include_usage</c>.</summary>
    public static readonly byte[][] StreamEvents =
    [
        Event("""{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1763856000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"""),
        Event("""{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1763856000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Hello"},"finish_reason":null}]}"""),
        Event("""{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1763856000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" from the"},"finish_reason":null}]}"""),
        Event("""{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1763856000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" benchmark upstream."},"finish_reason":null}]}"""),
        Event("""{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1763856000,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"""),
        Event("""{"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1763856000,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":7,"total_tokens":19}}"""),
        Encoding.UTF8.GetBytes("data: [DONE]\n\n"),
    ];

    private static byte[] Event(string json) => Encoding.UTF8.GetBytes("data: " + json + "\n\n");
}
