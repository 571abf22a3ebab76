using System.Buffers;
using Gateway.Edge.ChatCompletions;
using Gateway.Edge.Http;
using Gateway.Edge.Providers;
using Gateway.ServiceDefaults.Buffers;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Net.Http.Headers;

namespace Gateway.Edge.Passthrough;

/// <summary>Streams a provider's successful answer to the client unchanged (status, content type, the usual provider
/// headers), as it arrives. A JSON answer is also kept, up to <see cref="MaxInspectedBytes"/>, to read its model and
/// usage once complete; an event stream is watched for usage events (<see cref="EventStreamUsage"/>); anything else
/// (files, audio) passes through unbilled.</summary>
internal static class PassthroughRelay
{
    /// <summary>JSON answers with usage are small; a larger body (a file's content) is not worth holding.</summary>
    public const int MaxInspectedBytes = 1024 * 1024;

    private const int CopyBufferSize = 16 * 1024;

    public static async Task RelayAsync(UpstreamResponse upstream, HttpResponse response, RequestRecord record,
        CancellationToken cancellationToken)
    {
        response.StatusCode = upstream.StatusCode;
        if (upstream.ContentType is { } contentType)
        {
            response.Headers[HeaderNames.ContentType] = contentType;
        }

        upstream.CopyHeadersTo(response.Headers);
        if (upstream.IsEventStream)
        {
            response.Headers[HeaderNames.CacheControl] = "no-cache";
            response.HttpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        }

        var isJson = upstream.ContentType is { } type && type.Contains("json", StringComparison.OrdinalIgnoreCase);
        using var kept = isJson ? new PooledBufferWriter(CopyBufferSize) : null;
        using var events = upstream.IsEventStream ? new EventStreamUsage() : null;
        var overflowed = false;
        var buffer = ArrayPool<byte>.Shared.Rent(CopyBufferSize);
        try
        {
            while (true)
            {
                var read = await upstream.Body.ReadAsync(buffer, cancellationToken);
                if (read == 0)
                {
                    break;
                }

                record.MarkFirstByte();
                await response.Body.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                await response.Body.FlushAsync(cancellationToken);
                events?.Append(buffer.AsSpan(0, read));
                if (kept is not null && !overflowed)
                {
                    overflowed = kept.WrittenCount + read > MaxInspectedBytes;
                    if (!overflowed)
                    {
                        buffer.AsSpan(0, read).CopyTo(kept.GetSpan(read));
                        kept.Advance(read);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            // Also when the stream failed or the client left: bill what the provider reported until then.
            if (events is not null)
            {
                Apply(events.Last, record);
            }
        }

        if (kept is not null && !overflowed)
        {
            Apply(PassthroughUsage.Read(kept.WrittenSpan), record);
        }
    }

    private static void Apply(PassthroughUsage read, RequestRecord record)
    {
        if (read.Model is { Length: > 0 and <= 256 } model && record.Model.Length == 0)
        {
            record.Model = model;
        }

        record.Usage = read.Usage ?? record.Usage;
    }
}
