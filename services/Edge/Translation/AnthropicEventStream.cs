namespace Gateway.Edge.Translation;

/// <summary>An Anthropic SSE body read as an OpenAI one, event by event (<see cref="AnthropicStreamTranslator"/>).</summary>
internal sealed class AnthropicEventStream(Stream upstream, bool includeUsage)
    : SseTranslatingStream(upstream, new AnthropicStreamTranslator(includeUsage));
