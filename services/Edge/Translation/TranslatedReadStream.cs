using System.Buffers;

namespace Gateway.Edge.Translation;

/// <summary>A read-only stream whose bytes a subclass produces in batches (a translated event, a translated body):
/// the consumer (the relay) reads it like any provider body.</summary>
internal abstract class TranslatedReadStream : Stream
{
    private readonly ArrayBufferWriter<byte> _pending = new(4096);
    private int _pendingOffset;
    private bool _ended;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_pendingOffset == _pending.WrittenCount)
        {
            if (_ended)
            {
                return 0;
            }

            _pending.ResetWrittenCount();
            _pendingOffset = 0;
            _ended = !await FillAsync(_pending, cancellationToken);
        }

        var available = _pending.WrittenSpan[_pendingOffset..];
        var count = Math.Min(available.Length, buffer.Length);
        available[..count].CopyTo(buffer.Span);
        _pendingOffset += count;
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>The gateway reads provider bodies asynchronously only; blocking a thread on the network is a bug.</summary>
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    /// <summary>Appends the next bytes to <paramref name="output"/> (possibly none); false once nothing will follow
    /// what it appended.</summary>
    protected abstract ValueTask<bool> FillAsync(IBufferWriter<byte> output, CancellationToken cancellationToken);
}
