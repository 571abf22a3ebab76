using System.Buffers;
using Gateway.Edge.Proxy;

namespace Gateway.Edge.Passthrough;

/// <summary>Watches a passed-through event stream for the usage its events report (a Responses API
/// <c>response.completed</c>, or an OpenAI usage chunk; the last one wins) while the bytes themselves are forwarded
/// untouched. Holds at most one incomplete event; one larger than <see cref="MaxEventBytes"/> ends the watch.</summary>
internal sealed class EventStreamUsage : IDisposable
{
    private const int MaxEventBytes = 1024 * 1024;

    private byte[] _pending = ArrayPool<byte>.Shared.Rent(16 * 1024);
    private int _length;
    private bool _gaveUp;

    public PassthroughUsage Last { get; private set; }

    public void Append(ReadOnlySpan<byte> chunk)
    {
        if (_gaveUp)
        {
            return;
        }

        if (_length + chunk.Length > _pending.Length)
        {
            if (_length + chunk.Length > MaxEventBytes)
            {
                _gaveUp = true;
                return;
            }

            var larger = ArrayPool<byte>.Shared.Rent(Math.Max(_pending.Length * 2, _length + chunk.Length));
            _pending.AsSpan(0, _length).CopyTo(larger);
            ArrayPool<byte>.Shared.Return(_pending);
            _pending = larger;
        }

        chunk.CopyTo(_pending.AsSpan(_length));
        _length += chunk.Length;

        var buffer = new ReadOnlySequence<byte>(_pending, 0, _length);
        while (SseEvent.TryRead(ref buffer, out var sseEvent))
        {
            // Only events that mention usage are worth parsing (one per stream, usually the last).
            if (sseEvent.HasSingleData && sseEvent.Data.FirstSpan.IndexOf("\"usage\""u8) >= 0
                && PassthroughUsage.Read(sseEvent.Data.FirstSpan) is { Usage: not null } read)
            {
                Last = read;
            }
        }

        // Keep the incomplete rest at the front of the buffer.
        var rest = (int)buffer.Length;
        _pending.AsSpan(_length - rest, rest).CopyTo(_pending);
        _length = rest;
    }

    public void Dispose()
    {
        var pending = Interlocked.Exchange(ref _pending, []);
        if (pending.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(pending);
        }
    }
}
