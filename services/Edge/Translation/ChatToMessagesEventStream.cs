using System.Buffers;
using System.IO.Pipelines;
using Gateway.Edge.Pricing;
using Gateway.Edge.Proxy;

namespace Gateway.Edge.Translation;

/// <summary>An OpenAI SSE body read as an Anthropic one (<see cref="ChatToMessagesStream"/>): each chunk is translated
/// as soon as it has arrived, so the relay forwards events as the model produces them.</summary>
internal sealed class ChatToMessagesEventStream(Stream upstream) : TranslatedReadStream, INativeUsageSource
{
    private readonly PipeReader _reader = PipeReader.Create(upstream);
    private readonly ChatToMessagesStream _translator = new();

    public TokenUsage? NativeUsage => _translator.Usage;

    protected override async ValueTask<bool> FillAsync(IBufferWriter<byte> output, CancellationToken cancellationToken)
    {
        var result = await _reader.ReadAsync(cancellationToken);
        var buffer = result.Buffer;
        while (!_translator.Finished && SseEvent.TryRead(ref buffer, out var sseEvent))
        {
            if (sseEvent.HasSingleData)
            {
                Translate(sseEvent.Data, output);
            }
        }

        if (_translator.Finished || result.IsCompleted)
        {
            _translator.WriteIncomplete(output);
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
            _translator.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Translate(ReadOnlySequence<byte> data, IBufferWriter<byte> output)
    {
        if (data.IsSingleSegment)
        {
            _translator.Translate(data.FirstSpan, output);
            return;
        }

        // A chunk split across pipe segments: rare, and small.
        var length = (int)data.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            data.CopyTo(rented);
            _translator.Translate(rented.AsSpan(0, length), output);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
