using System.Buffers;
using System.IO.Pipelines;
using Gateway.Edge.Pricing;
using Gateway.Edge.Proxy;

namespace Gateway.Edge.Translation;

/// <summary>A provider's SSE body read in another wire format: each event is translated by
/// <paramref name="translator"/> as soon as it has arrived, so the relay forwards chunks as the model produces them
/// (nothing is buffered beyond one event). Subclasses only choose the translator.</summary>
internal abstract class SseTranslatingStream(Stream upstream, ISseEventTranslator translator)
    : TranslatedReadStream, INativeUsageSource
{
    private readonly PipeReader _reader = PipeReader.Create(upstream);

    public TokenUsage? NativeUsage => translator.Usage;

    protected override async ValueTask<bool> FillAsync(IBufferWriter<byte> output, CancellationToken cancellationToken)
    {
        var result = await _reader.ReadAsync(cancellationToken);
        var buffer = result.Buffer;
        while (!translator.Finished && SseEvent.TryRead(ref buffer, out var sseEvent))
        {
            if (sseEvent.HasSingleData)
            {
                Translate(sseEvent.Data, output);
            }
        }

        SseEvent.EnsureBounded(buffer);
        if (translator.Finished || result.IsCompleted)
        {
            // After the final event (or an error) nothing else matters; an end without one is reported to the client.
            translator.WriteIncomplete(output);
            _reader.AdvanceTo(buffer.End);
            return false;
        }

        _reader.AdvanceTo(buffer.Start, buffer.End);
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Completing the reader disposes the provider's body.
            _reader.Complete();
            translator.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Translate(ReadOnlySequence<byte> data, IBufferWriter<byte> output)
    {
        if (data.IsSingleSegment)
        {
            translator.Translate(data.FirstSpan, output);
            return;
        }

        // An event split across pipe segments: rare, and small.
        var length = (int)data.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            data.CopyTo(rented);
            translator.Translate(rented.AsSpan(0, length), output);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
