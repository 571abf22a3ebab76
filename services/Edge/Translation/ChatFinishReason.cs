namespace Gateway.Edge.Translation;

/// <summary>An OpenAI <c>finish_reason</c> as Anthropic's <c>stop_reason</c>.</summary>
internal static class ChatFinishReason
{
    public static string ToStopReason(string? finishReason) => finishReason switch
    {
        "length" => "max_tokens",
        "tool_calls" or "function_call" => "tool_use",
        "content_filter" => "refusal",
        // "stop", and servers that end without saying why.
        _ => "end_turn",
    };
}
