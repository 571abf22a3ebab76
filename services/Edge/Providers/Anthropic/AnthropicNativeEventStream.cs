using System.Buffers;
using System.IO.Pipelines;
using Gateway.Edge.Pricing;
using Gateway.Edge.Proxy;
using Gateway.Edge.Translation;

namespace Gateway.Edge.Providers.Anthropic;

/// <summary>Anthropic's SSE body passed on byte for byte, event by event as each arrives, reading the usage of
/// <c>message_start</c> and <c>message_delta</c> on the way (input, cache read, cache write, output).</summary>
internal sealed class AnthropicNativeEventStream(Stream upstream) : TranslatedReadStream, INativeUsageSource
{
    private readonly PipeReader _reader = PipeReader.Create(upstream);

    public TokenUsage? NativeUsage { get; private set; }

    protected override async ValueTask<bool> FillAsync(IBufferWriter<byte> output, CancellationToken cancellationToken)
    {
        var result = await _reader.ReadAsync(cancellationToken);
        var buffer = result.Buffer;
        while (SseEvent.TryRead(ref buffer, out var sseEvent))
        {
            if (sseEvent.HasSingleData)
            {
                ReadUsage(sseEvent.Data);
            }

            foreach (var segment in sseEvent.Raw)
            {
                output.Write(segment.Span);
            }
        }

        SseEvent.EnsureBounded(buffer);
        if (result.IsCompleted)
        {
            // A provider that ends without a final blank line: pass on what it sent.
            foreach (var segment in buffer)
            {
                output.Write(segment.Span);
            }

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
        }

        base.Dispose(disposing);
    }

    private void ReadUsage(ReadOnlySequence<byte> data)
    {
        if (data.IsSingleSegment)
        {
            NativeUsage = AnthropicNativeUsage.FromEvent(data.FirstSpan, NativeUsage);
            return;
        }

        var length = (int)data.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            data.CopyTo(rented);
            NativeUsage = AnthropicNativeUsage.FromEvent(rented.AsSpan(0, length), NativeUsage);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
