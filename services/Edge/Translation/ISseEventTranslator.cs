using System.Buffers;
using Gateway.Edge.Pricing;

namespace Gateway.Edge.Translation;

/// <summary>Translates one provider's stream, event by event, into another wire format; driven by
/// <see cref="SseTranslatingStream"/>.</summary>
internal interface ISseEventTranslator : IDisposable
{
    /// <summary>The provider's usage as far as the events read so far report it.</summary>
    TokenUsage? Usage { get; }

    /// <summary>True once the final event (or an error) has been translated; later events are ignored.</summary>
    bool Finished { get; }

    /// <summary>Translates the data of one SSE event.</summary>
    void Translate(ReadOnlySpan<byte> data, IBufferWriter<byte> output);

    /// <summary>Called once at the end: tells the client when the provider stopped before its final event.</summary>
    void WriteIncomplete(IBufferWriter<byte> output);
}
