using System.Buffers;
using System.Text;
using System.Text.Json;
using Gateway.Contracts.Usage.V1;
using Google.Protobuf.Collections;

namespace Gateway.Analytics.Ingest;

/// <summary>Renders the nested parts of an event (metadata, attempts) as the jsonb text stored with it. One instance
/// per batch: the buffer and writer are reused for every event.</summary>
internal sealed class UsageJson : IDisposable
{
    private readonly ArrayBufferWriter<byte> _buffer = new(256);
    private readonly Utf8JsonWriter _writer;

    public UsageJson() => _writer = new Utf8JsonWriter(_buffer);

    public string Metadata(MapField<string, string> metadata)
    {
        if (metadata.Count == 0)
        {
            return "{}";
        }

        Begin();
        _writer.WriteStartObject();
        foreach (var entry in metadata)
        {
            _writer.WriteString(entry.Key, entry.Value);
        }

        _writer.WriteEndObject();
        return End();
    }

    public string Attempts(RepeatedField<Attempt> attempts)
    {
        if (attempts.Count == 0)
        {
            return "[]";
        }

        Begin();
        _writer.WriteStartArray();
        foreach (var attempt in attempts)
        {
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
        return End();
    }

    public void Dispose() => _writer.Dispose();

    private void Begin()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
    }

    private string End()
    {
        _writer.Flush();
        return Encoding.UTF8.GetString(_buffer.WrittenSpan);
    }
}
