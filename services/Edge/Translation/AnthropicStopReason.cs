namespace Gateway.Edge.Translation;

/// <summary>Anthropic's <c>stop_reason</c> as an OpenAI <c>finish_reason</c>.</summary>
internal static class AnthropicStopReason
{
    public static string ToFinishReason(string? stopReason) => stopReason switch
    {
        "max_tokens" or "model_context_window_exceeded" => "length",
        "tool_use" => "tool_calls",
        "refusal" => "content_filter",
        // end_turn, stop_sequence, pause_turn (a server tool paused the turn; what was said so far is the answer).
        _ => "stop",
    };
}
