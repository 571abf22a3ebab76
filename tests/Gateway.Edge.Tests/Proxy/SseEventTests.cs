extern alias edge;

using System.Buffers;
using System.Text;
using edge::Gateway.Edge.Proxy;

namespace Gateway.Edge.Tests.Proxy;

public sealed class SseEventTests
{
    [Fact]
    public void Splits_complete_events_and_keeps_the_partial_one()
    {
        var buffer = Sequence("data: {\"a\":1}\n\ndata: [DONE]\r\n\r\ndata: {\"b\"");

        Assert.True(SseEvent.TryRead(ref buffer, out var first));
        Assert.Equal("data: {\"a\":1}\n\n", Text(first.Raw));
        Assert.Equal("{\"a\":1}", Text(first.Data));
        Assert.True(first.HasSingleData);

        Assert.True(SseEvent.TryRead(ref buffer, out var second));
        Assert.Equal("data: [DONE]\r\n\r\n", Text(second.Raw));
        Assert.Equal("[DONE]", Text(second.Data));

        Assert.False(SseEvent.TryRead(ref buffer, out _));
        Assert.Equal("data: {\"b\"", Text(buffer));
    }

    [Fact]
    public void Handles_events_split_across_segments_and_other_fields()
    {
        var buffer = Sequence(": keep-alive\nevent: message\nda", "ta:{\"x\":", "2}\n", "\n");

        Assert.True(SseEvent.TryRead(ref buffer, out var sseEvent));
        Assert.Equal(": keep-alive\nevent: message\ndata:{\"x\":2}\n\n", Text(sseEvent.Raw));
        Assert.Equal("{\"x\":2}", Text(sseEvent.Data));
        Assert.True(buffer.IsEmpty);
    }

    [Fact]
    public void Multi_line_data_is_not_treated_as_one_json_payload()
    {
        var buffer = Sequence("data: {\"a\":\ndata: 1}\n\n");

        Assert.True(SseEvent.TryRead(ref buffer, out var sseEvent));
        Assert.False(sseEvent.HasSingleData);
    }

    private static string Text(ReadOnlySequence<byte> bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>A multi-segment sequence, as a pipe hands out data that arrived in pieces.</summary>
    private static ReadOnlySequence<byte> Sequence(params string[] parts)
    {
        if (parts.Length == 1)
        {
            return new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(parts[0]));
        }

        var first = new Segment(Encoding.UTF8.GetBytes(parts[0]), 0);
        var last = first;
        for (var i = 1; i < parts.Length; i++)
        {
            last = last.Append(Encoding.UTF8.GetBytes(parts[i]));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
