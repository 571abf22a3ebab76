namespace Gateway.Edge.Tests.Caching;

/// <summary>Stream chunk sequences shaped like OpenAI's (fields, nulls and fragmenting as the API sends them).</summary>
internal static class ChatChunks
{
    private const string Head = "\"id\":\"chatcmpl-9\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-mini-2024-07-18\",\"system_fingerprint\":\"fp_44709d6fcb\"";

    public static readonly string[] Text =
    [
        Chunk("""[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]"""),
        Chunk("""[{"index":0,"delta":{"content":"Hello"},"logprobs":null,"finish_reason":null}]"""),
        Chunk("""[{"index":0,"delta":{"content":" there, \"caf\u00e9\" \ud83d\ude00!"},"logprobs":null,"finish_reason":null}]"""),
        Chunk("""[{"index":0,"delta":{},"logprobs":null,"finish_reason":"stop"}]"""),
        Chunk("""[]""", """{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":0}}"""),
        "[DONE]",
    ];

    public const string TextCompletion =
        """{"id":"chatcmpl-9","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there, \u0022caf\u00E9\u0022 \uD83D\uDE00!"},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":9,"completion_tokens":3,"total_tokens":12,"prompt_tokens_details":{"cached_tokens":0}},"system_fingerprint":"fp_44709d6fcb"}""";

    /// <summary>Two tool calls, the first one's arguments split over three chunks.</summary>
    public static readonly string[] ToolCalls =
    [
        Chunk("""[{"index":0,"delta":{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"call_a","type":"function","function":{"name":"get_weather","arguments":""}}],"refusal":null},"logprobs":null,"finish_reason":null}]"""),
        Chunk("""[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\"ci"}}]},"logprobs":null,"finish_reason":null}]"""),
        Chunk("""[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\":\"Pa"}}]},"logprobs":null,"finish_reason":null}]"""),
        Chunk("""[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ris\"}"}}]},"logprobs":null,"finish_reason":null}]"""),
        Chunk("""[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_b","type":"function","function":{"name":"get_time","arguments":""}}]},"logprobs":null,"finish_reason":null}]"""),
        Chunk("""[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":"{}"}}]},"logprobs":null,"finish_reason":null}]"""),
        Chunk("""[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}]"""),
        Chunk("""[]""", """{"prompt_tokens":80,"completion_tokens":30,"total_tokens":110}"""),
        "[DONE]",
    ];

    public const string ToolCallsCompletion =
        """{"id":"chatcmpl-9","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call_a","type":"function","function":{"name":"get_weather","arguments":"{\u0022city\u0022:\u0022Paris\u0022}"}},{"id":"call_b","type":"function","function":{"name":"get_time","arguments":"{}"}}]},"logprobs":null,"finish_reason":"tool_calls"}],"usage":{"prompt_tokens":80,"completion_tokens":30,"total_tokens":110},"system_fingerprint":"fp_44709d6fcb"}""";

    /// <summary>n=2, the choices' chunks interleaved, the second one finishing first.</summary>
    public static readonly string[] TwoChoices =
    [
        Chunk("""[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]"""),
        Chunk("""[{"index":1,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]"""),
        Chunk("""[{"index":1,"delta":{"content":"B"},"logprobs":null,"finish_reason":null}]"""),
        Chunk("""[{"index":0,"delta":{"content":"A1"},"logprobs":null,"finish_reason":null}]"""),
        Chunk("""[{"index":1,"delta":{},"logprobs":null,"finish_reason":"stop"}]"""),
        Chunk("""[{"index":0,"delta":{"content":"A2"},"logprobs":null,"finish_reason":null}]"""),
        Chunk("""[{"index":0,"delta":{},"logprobs":null,"finish_reason":"length"}]"""),
        "[DONE]",
    ];

    public const string TwoChoicesCompletion =
        """{"id":"chatcmpl-9","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"A1A2"},"logprobs":null,"finish_reason":"length"},{"index":1,"message":{"role":"assistant","content":"B"},"logprobs":null,"finish_reason":"stop"}],"system_fingerprint":"fp_44709d6fcb"}""";

    private static string Chunk(string choices, string? usage = null) =>
        "{" + Head + ",\"choices\":" + choices + (usage is null ? "" : ",\"usage\":" + usage) + "}";
}
