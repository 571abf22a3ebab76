namespace Gateway.Edge.Translation;

/// <summary>An OpenAI SSE body read as an Anthropic one, chunk by chunk (<see cref="ChatToMessagesStream"/>).</summary>
internal sealed class ChatToMessagesEventStream(Stream upstream)
    : SseTranslatingStream(upstream, new ChatToMessagesStream());
