using System.Text.Json;
using Gateway.Contracts.Usage.V1;
using Gateway.ServiceDefaults.Buffers;
using Google.Protobuf.Collections;

namespace Gateway.Analytics.Ingest;

/// <summary>Renders the nested parts of a batch's events (metadata, attempts) as the UTF-8 JSON text of their jsonb
/// values, all into one pooled buffer: no string per event, and Npgsql sends the bytes as they are (jsonb's binary
/// format is a version byte followed by this text). Writes return a <see cref="JsonText"/>; turn them into bytes with
/// <see cref="Bytes"/> after the last write, and dispose only after the statement that sends them has run. Empty
/// values are written too ("{}" and "[]", two bytes each), so every value is a plain slice of the buffer.</summary>
internal sealed class UsageJson : IDisposable
{
    private readonly PooledBufferWriter _buffer;
    private readonly Utf8JsonWriter _writer;

    /// <param name="events">Events in the batch; sizes the first buffer for a typical event's two values.</param>
    public UsageJson(int events)
    {
        _buffer = new PooledBufferWriter(Math.Max(events, 1) * 160);
        _writer = new Utf8JsonWriter(_buffer);
    }

    public JsonText Metadata(MapField<string, string> metadata)
    {
        var start = Begin();
        _writer.WriteStartObject();
        foreach (var entry in metadata)
        {
            _writer.WriteString(entry.Key, entry.Value);
        }

        _writer.WriteEndObject();
        return End(start);
    }

    public JsonText Attempts(RepeatedField<Attempt> attempts)
    {
        var start = Begin();
        _writer.WriteStartArray();
        for (var i = 0; i < attempts.Count; i++)
        {
            var attempt = attempts[i];
            _writer.WriteStartObject();
            _writer.WriteString("provider", attempt.Provider);
            _writer.WriteString("model", attempt.Model);
            _writer.WriteString("target", attempt.Target);
            _writer.WriteNumber("status_code", attempt.StatusCode);
            _writer.WriteNumber("latency_us", attempt.LatencyUs);
            _writer.WriteString("error_type", attempt.ErrorType);
            _writer.WriteEndObject();
        }

        _writer.WriteEndArray();
        return End(start);
    }

    /// <summary>The bytes of a value written by this instance (valid until it is disposed).</summary>
    public ReadOnlyMemory<byte> Bytes(JsonText text) => _buffer.Slice(text.Start, text.Length);

    public void Dispose()
    {
        _writer.Dispose();
        _buffer.Dispose();
    }

    private int Begin()
    {
        _writer.Reset(_buffer);
        return _buffer.WrittenCount;
    }

    private JsonText End(int start)
    {
        _writer.Flush();
        return new JsonText(start, _buffer.WrittenCount - start);
    }
}

/// <summary>Where a value written by <see cref="UsageJson"/> lies in its buffer.</summary>
internal readonly record struct JsonText(int Start, int Length);
