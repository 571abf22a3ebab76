using System.Text;
using System.Text.Json;

namespace Gateway.Edge.Tests;

/// <summary>Reads an SSE response event by event, as a client would.</summary>
public sealed class SseReader(Stream stream) : IDisposable
{
    private readonly StreamReader _reader = new(stream, Encoding.UTF8);

    /// <summary>The next event's data, or null at the end of the stream.</summary>
    public async Task<string?> NextDataAsync()
    {
        string? data = null;
        while (await _reader.ReadLineAsync() is { } line)
        {
            if (line.Length == 0)
            {
                if (data is not null)
                {
                    return data;
                }

                continue;
            }

            if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data = line["data:".Length..].TrimStart();
            }
        }

        return data;
    }

    public async Task<List<string>> ReadAllAsync()
    {
        var events = new List<string>();
        while (await NextDataAsync() is { } data)
        {
            events.Add(data);
        }

        return events;
    }

    /// <summary>The content of all chunks, concatenated.</summary>
    public static string Content(IEnumerable<string> events)
    {
        var text = new StringBuilder();
        foreach (var data in events)
        {
            if (data == "[DONE]")
            {
                continue;
            }

            using var json = JsonDocument.Parse(data);
            foreach (var choice in json.RootElement.GetProperty("choices").EnumerateArray())
            {
                if (choice.GetProperty("delta").TryGetProperty("content", out var content) && content.ValueKind == JsonValueKind.String)
                {
                    text.Append(content.GetString());
                }
            }
        }

        return text.ToString();
    }

    public static bool IsUsageOnlyChunk(string data)
    {
        if (data == "[DONE]")
        {
            return false;
        }

        using var json = JsonDocument.Parse(data);
        return json.RootElement.GetProperty("choices").GetArrayLength() == 0
            && json.RootElement.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object;
    }

    public void Dispose() => _reader.Dispose();
}
