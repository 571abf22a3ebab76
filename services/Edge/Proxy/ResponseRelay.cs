using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Gateway.Edge.ChatCompletions;
using Gateway.Edge.Errors;
using Gateway.Edge.Http;
using Gateway.Edge.Providers;
using Gateway.ServiceDefaults.Buffers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Gateway.Edge.Proxy;

/// <summary>Copies a provider's response to the client and reads the usage from it on the way: SSE event by event
/// (flushed as they arrive, the usage-only chunk dropped unless the client asked for it), JSON in one piece.</summary>
internal static class ResponseRelay
{
    /// <summary>How much of a non-JSON provider error body is quoted back to the client.</summary>
    private const int MaxQuotedErrorChars = 512;

    /// <param name="assembler">When the answer is to be cached: fed every event's data (the usage chunk included,
    /// even when the client does not get it) to rebuild the complete answer.</param>
    public static async Task RelayStreamAsync(UpstreamResponse upstream, HttpResponse response, bool forwardUsageChunk,
        RequestRecord record, CancellationToken cancellationToken, Caching.CompletionAssembler? assembler = null)
    {
        response.StatusCode = upstream.StatusCode;
        response.Headers[HeaderNames.ContentType] = upstream.ContentType;
        response.Headers[HeaderNames.CacheControl] = "no-cache";
        upstream.CopyHeadersTo(response.Headers);
        response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        var reader = PipeReader.Create(upstream.Body, new StreamPipeReaderOptions(leaveOpen: true));
        var writer = response.BodyWriter;
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                var wrote = false;
                while (SseEvent.TryRead(ref buffer, out var sseEvent))
                {
                    if (sseEvent.HasSingleData)
                    {
                        if (assembler is { IsCacheable: true })
                        {
                            assembler.Add(sseEvent.Data);
                        }

                        var chunk = ChunkInspector.Inspect(sseEvent.Data, record.Answer);
                        if (chunk.Usage is { } usage)
                        {
                            record.Usage = usage;
                        }

                        if (chunk.IsUsageOnly && !forwardUsageChunk)
                        {
                            continue;
                        }
                    }

                    Write(writer, sseEvent.Raw);
                    wrote = true;
                }

                // Ends the answer as a provider failure mid-body (an error event, or 502 when nothing was sent yet).
                SseEvent.EnsureBounded(buffer);

                if (result.IsCompleted)
                {
                    // A provider that ends without a final blank line: pass on what it sent.
                    if (!buffer.IsEmpty)
                    {
                        Write(writer, buffer);
                        wrote = true;
                    }

                    reader.AdvanceTo(buffer.End);
                    if (wrote)
                    {
                        record.MarkFirstByte();
                    }

                    await writer.FlushAsync(cancellationToken);
                    return;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
                if (wrote)
                {
                    record.MarkFirstByte();
                    await writer.FlushAsync(cancellationToken);
                }
            }
        }
        finally
        {
            await reader.CompleteAsync();
            // Also when the stream failed or the client left: bill what the provider reported until then.
            PreferNativeUsage(upstream, record);
        }
    }

    /// <param name="keepBody">When the answer is to be cached: gets a copy of the whole body as it was relayed.</param>
    public static async Task RelayBufferedAsync(UpstreamResponse upstream, HttpResponse response, RequestRecord record,
        CancellationToken cancellationToken, Action<byte[]>? keepBody = null)
    {
        using var body = new PooledBufferWriter(16 * 1024);
        await body.ReadFromAsync(upstream.Body, cancellationToken);
        keepBody?.Invoke(body.WrittenSpan.ToArray());
        // The answer's text only matters when the body carries no usage (it is then estimated from it), and the
        // body is at hand: read it again in that rare case rather than copy every answer's text (~6 % of the bytes
        // a proxied request allocated).
        var answer = record.Answer;
        answer.KeepsText = false;
        var usage = ChunkInspector.Inspect(body.WrittenSpan, answer).Usage;
        answer.KeepsText = true;
        if (usage is not null)
        {
            record.Usage = usage;
        }
        else
        {
            ChunkInspector.Inspect(body.WrittenSpan, answer);
        }

        PreferNativeUsage(upstream, record);

        response.StatusCode = upstream.StatusCode;
        response.Headers[HeaderNames.ContentType] = upstream.ContentType ?? "application/json";
        upstream.CopyHeadersTo(response.Headers);
        response.ContentLength = body.WrittenCount;
        record.MarkFirstByte();
        await response.Body.WriteAsync(body.WrittenMemory, cancellationToken);
    }

    /// <summary>A provider error goes to the client with its status and body; a body that is not JSON (a proxy's
    /// HTML page, plain text) is wrapped in an OpenAI-style error so clients can always parse it.</summary>
    public static async Task RelayErrorAsync(UpstreamResponse upstream, string provider, HttpResponse response,
        RequestRecord record, CancellationToken cancellationToken)
    {
        using var body = new PooledBufferWriter();
        await body.ReadFromAsync(upstream.Body, cancellationToken);
        upstream.CopyHeadersTo(response.Headers);
        await WriteErrorAsync(upstream.StatusCode, body.WrittenMemory, provider, response, record, cancellationToken);
    }

    /// <summary>A provider error read earlier (while another target was tried), with its status and body; the
    /// caller has put the provider's headers on the response.</summary>
    public static async Task WriteErrorAsync(int statusCode, ReadOnlyMemory<byte> body, string provider, HttpResponse response,
        RequestRecord record, CancellationToken cancellationToken)
    {
        response.StatusCode = statusCode;
        response.Headers[HeaderNames.ContentType] = "application/json";
        record.MarkFirstByte();
        if (IsJson(body.Span))
        {
            response.ContentLength = body.Length;
            await response.Body.WriteAsync(body, cancellationToken);
            return;
        }

        var text = Encoding.UTF8.GetString(body.Span);
        if (text.Length > MaxQuotedErrorChars)
        {
            text = text[..MaxQuotedErrorChars];
        }

        var wrapped = ErrorWriter.Wrap($"Provider '{provider}' returned HTTP {statusCode}: {text.Trim()}",
            ErrorTypes.Upstream, "upstream_error");
        response.ContentLength = wrapped.Length;
        await response.Body.WriteAsync(wrapped, cancellationToken);
    }

    /// <summary>A translated body (e.g. Anthropic as OpenAI) knows the provider's exact usage, cache writes included,
    /// which the OpenAI-shaped usage in it cannot carry.</summary>
    private static void PreferNativeUsage(UpstreamResponse upstream, RequestRecord record)
    {
        if (upstream.NativeUsage is { } native)
        {
            record.Usage = native;
        }
    }

    private static bool IsJson(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty)
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(body);
            while (reader.Read())
            {
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static void Write(PipeWriter writer, ReadOnlySequence<byte> bytes)
    {
        foreach (var segment in bytes)
        {
            writer.Write(segment.Span);
        }
    }
}
