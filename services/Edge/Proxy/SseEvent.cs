using System.Buffers;

namespace Gateway.Edge.Proxy;

/// <summary>One server-sent event as received: its raw bytes (forwarded unchanged, blank line included) and the
/// payload of its <c>data:</c> line when it has exactly one (every OpenAI chunk does).</summary>
internal readonly record struct SseEvent(ReadOnlySequence<byte> Raw, ReadOnlySequence<byte> Data, bool HasSingleData)
{
    /// <summary>The largest event the relay holds while waiting for its end. Chat chunks are small; a provider (or a
    /// tenant's custom host) that never ends an event must not grow the buffer without bound.</summary>
    public const int MaxEventBytes = 4 * 1024 * 1024;

    private static ReadOnlySpan<byte> DataField => "data:"u8;

    /// <summary>Fails the read (as the provider failing mid-body) once the unfinished event a reader holds has passed
    /// <see cref="MaxEventBytes"/>; called after every read, so at most one read more is ever held.</summary>
    public static void EnsureBounded(in ReadOnlySequence<byte> unfinished)
    {
        if (unfinished.Length > MaxEventBytes)
        {
            throw Providers.UpstreamResponseTooLargeException.Event(MaxEventBytes);
        }
    }

    /// <summary>Cuts the next complete event (ended by a blank line, LF or CRLF) off the front of
    /// <paramref name="buffer"/>; false when the buffer holds only part of one.</summary>
    public static bool TryRead(ref ReadOnlySequence<byte> buffer, out SseEvent sseEvent)
    {
        var reader = new SequenceReader<byte>(buffer);
        ReadOnlySequence<byte> data = default;
        var dataLines = 0;
        while (reader.TryReadTo(out ReadOnlySequence<byte> line, (byte)'\n'))
        {
            if (!line.IsEmpty && EndsWithCarriageReturn(line))
            {
                line = line.Slice(0, line.Length - 1);
            }

            if (line.IsEmpty)
            {
                sseEvent = new SseEvent(buffer.Slice(0, reader.Position), data, dataLines == 1);
                buffer = buffer.Slice(reader.Position);
                return true;
            }

            var lineReader = new SequenceReader<byte>(line);
            if (lineReader.IsNext(DataField, advancePast: true))
            {
                lineReader.IsNext((byte)' ', advancePast: true);
                data = line.Slice(lineReader.Position);
                dataLines++;
            }
        }

        sseEvent = default;
        return false;
    }

    private static bool EndsWithCarriageReturn(ReadOnlySequence<byte> line)
    {
        var last = line.Slice(line.Length - 1);
        return last.FirstSpan[0] == (byte)'\r';
    }
}
