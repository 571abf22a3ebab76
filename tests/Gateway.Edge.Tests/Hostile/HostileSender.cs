using System.Net;
using System.Text;
using System.Text.Json;

namespace Gateway.Edge.Tests.Hostile;

/// <summary>Sends hostile cases to the Edge over real sockets and judges every response; returns what went wrong
/// (empty when every response was acceptable).</summary>
internal static class HostileSender
{
    private const int MaxReportedFailures = 25;
    private const int MaxResponseBytes = 1024 * 1024;

    public static async Task<IReadOnlyList<string>> RunAsync(HttpClient client, IReadOnlyList<HostileCase> cases, int parallelism = 4)
    {
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        var next = -1;
        var workers = Enumerable.Range(0, parallelism).Select(async _ =>
        {
            int index;
            while ((index = Interlocked.Increment(ref next)) < cases.Count)
            {
                var hostile = cases[index];
                string? failure;
                try
                {
                    failure = await SendAndCheckAsync(client, hostile);
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
                {
                    failure = $"no response: {ex.GetType().Name}: {ex.Message}";
                }

                if (failure is not null && failures.Count < MaxReportedFailures)
                {
                    failures.Enqueue(hostile + ": " + failure);
                }
            }
        });
        await Task.WhenAll(workers);
        return [.. failures];
    }

    /// <summary>Null when the response is acceptable for the case, else why not.</summary>
    public static async Task<string?> SendAndCheckAsync(HttpClient client, HostileCase hostile)
    {
        using var request = new HttpRequestMessage(new HttpMethod(hostile.Method), hostile.Path);
        if (hostile.Body is { } body)
        {
            request.Content = hostile.Chunked ? new ChunkedContent(body) : new ByteArrayContent(body);
            if (!string.IsNullOrEmpty(hostile.ContentType))
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", hostile.ContentType);
            }
        }

        foreach (var (name, value) in hostile.Headers)
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                return $"test bug: header {name} not accepted by HttpClient";
            }
        }

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        var bytes = await ReadBoundedAsync(response);
        return Judge(hostile, (int)response.StatusCode, response.Content.Headers.ContentType?.MediaType, bytes);
    }

    public static string? Judge(HostileCase hostile, int status, string? mediaType, byte[] body)
    {
        var shown = $"{status} {mediaType} {Encoding.UTF8.GetString(body.AsSpan(0, Math.Min(body.Length, 300)))}";
        if (status == (int)HttpStatusCode.InternalServerError)
        {
            return "500 for a client mistake: " + shown;
        }

        if (hostile.KestrelStatus != 0 && status == hostile.KestrelStatus && mediaType is null && body.Length == 0)
        {
            return null;
        }

        var expected = hostile.Expect switch
        {
            Expect.TooLarge => status == 413,
            Expect.Unauthorized => status == 401,
            Expect.ClientError => status is >= 400 and < 500,
            _ => status is (>= 200 and < 300) or (>= 400 and < 500),
        };
        if (!expected)
        {
            return $"expected {hostile.Expect}, got " + shown;
        }

        // A HEAD answer never has a body, error or not.
        if (status < 400 || hostile.Method == "HEAD")
        {
            return null;
        }

        if (mediaType != "application/json")
        {
            return "error without a JSON body: " + shown;
        }

        return ErrorShape(hostile, body) is { } shape ? shape + ": " + shown : null;
    }

    /// <summary>OpenAI's <c>{"error":{"message","type","code"}}</c>, or Anthropic's <c>{"type":"error","error":{"type","message"}}</c>
    /// on /v1/messages.</summary>
    private static string? ErrorShape(HostileCase hostile, byte[] body)
    {
        try
        {
            using var json = JsonDocument.Parse(body);
            if (!json.RootElement.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.Object)
            {
                return "no error object";
            }

            string[] fields = hostile.AnthropicErrors ? ["type", "message"] : ["message", "type", "code"];
            foreach (var field in fields)
            {
                if (!error.TryGetProperty(field, out var value) || value.ValueKind != JsonValueKind.String || value.GetString()!.Length == 0)
                {
                    return $"error.{field} missing";
                }
            }

            return null;
        }
        catch (JsonException)
        {
            return "error body is not JSON";
        }
    }

    private static async Task<byte[]> ReadBoundedAsync(HttpResponseMessage response)
    {
        await using var stream = await response.Content.ReadAsStreamAsync();
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk)) > 0)
        {
            if (buffer.Length + read > MaxResponseBytes)
            {
                break;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>A body without a length, so HttpClient sends it chunked and only the bytes tell its size.</summary>
    private sealed class ChunkedContent(byte[] body) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(body).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
