using Gateway.ServiceDefaults.Buffers;
using Microsoft.Net.Http.Headers;

namespace Gateway.Edge.Caching;

/// <summary>Answers a request from a stored answer: the completion JSON as it was stored for a non-streaming request,
/// its SSE replay (<see cref="SseReplay"/>) for a streaming one. The caller sets the cache status header first.</summary>
internal static class CachedAnswerWriter
{
    /// <returns>False, with nothing written, when the stored completion cannot be replayed (a damaged entry): the
    /// caller then treats the request as a miss.</returns>
    public static async Task<bool> WriteAsync(HttpResponse response, StoredAnswer answer, bool stream, bool includeUsage,
        CancellationToken cancellationToken)
    {
        response.StatusCode = StatusCodes.Status200OK;
        if (!stream)
        {
            response.ContentType = "application/json";
            response.ContentLength = answer.Completion.Length;
            await response.Body.WriteAsync(answer.Completion, cancellationToken);
            return true;
        }

        // Replayed into a buffer first, so a damaged entry leaves the response untouched; the whole answer is there,
        // so one write sends it.
        using var events = new PooledBufferWriter(answer.Completion.Length + 1024);
        if (!SseReplay.TryWrite(answer.Completion, includeUsage, events))
        {
            return false;
        }

        response.ContentType = "text/event-stream";
        response.Headers[HeaderNames.CacheControl] = "no-cache";
        await response.Body.WriteAsync(events.WrittenMemory, cancellationToken);
        return true;
    }
}
