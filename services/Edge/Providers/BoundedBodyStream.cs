namespace Gateway.Edge.Providers;

/// <summary>A provider's non-streamed body that fails once more than a limit has been read, so a huge or endless
/// answer costs at most the limit plus one read, not everything the provider cares to send.</summary>
internal sealed class BoundedBodyStream(Stream inner, long limit) : Stream
{
    private long _read;

    /// <summary><paramref name="body"/> bounded unless it is an event stream (those are bounded per event and may
    /// rightly run long) or there is no limit.</summary>
    public static Stream Bound(Stream body, string? contentType, long limit) =>
        limit == long.MaxValue || (contentType is not null && contentType.StartsWith("text/event-stream", StringComparison.OrdinalIgnoreCase))
            ? body
            : new BoundedBodyStream(body, limit);

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Count(int read)
    {
        _read += read;
        return _read > limit ? throw UpstreamResponseTooLargeException.Body(limit) : read;
    }
}
