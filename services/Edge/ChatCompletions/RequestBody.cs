using System.Buffers;
using Gateway.Edge.Errors;
using Microsoft.AspNetCore.Http.Features;

namespace Gateway.Edge.ChatCompletions;

/// <summary>The client's request body in a pooled buffer, held until the request is finished (it is forwarded as is).</summary>
internal sealed class RequestBody : IDisposable
{
    private const int InitialBufferSize = 16 * 1024;

    private byte[] _buffer;

    private RequestBody(byte[] buffer, int length)
    {
        _buffer = buffer;
        Length = length;
    }

    public int Length { get; }

    public ReadOnlyMemory<byte> Memory => _buffer.AsMemory(0, Length);

    public ReadOnlySpan<byte> Span => _buffer.AsSpan(0, Length);

    /// <summary>Reads the whole body, refusing more than <paramref name="limit"/> bytes (413) whether or not the
    /// client declared a Content-Length.</summary>
    public static async ValueTask<Outcome<RequestBody>> ReadAsync(HttpContext context, long limit, CancellationToken cancellationToken)
    {
        var request = context.Request;
        if (request.ContentLength > limit)
        {
            return GatewayError.BodyTooLarge(limit);
        }

        // Our limit replaces Kestrel's default (30 MB), which would otherwise cut larger configured limits short.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = limit + 1;
        }

        var size = request.ContentLength is { } declared ? (int)Math.Max(declared, 1) : InitialBufferSize;
        var buffer = ArrayPool<byte>.Shared.Rent(size);
        var length = 0;
        try
        {
            while (true)
            {
                if (length == buffer.Length)
                {
                    if (length > limit)
                    {
                        ArrayPool<byte>.Shared.Return(buffer);
                        return GatewayError.BodyTooLarge(limit);
                    }

                    var larger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, limit + 1));
                    buffer.AsSpan(0, length).CopyTo(larger);
                    ArrayPool<byte>.Shared.Return(buffer);
                    buffer = larger;
                }

                var read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken);
                if (read == 0)
                {
                    break;
                }

                length += read;
                if (length > limit)
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                    return GatewayError.BodyTooLarge(limit);
                }
            }
        }
        catch (BadHttpRequestException ex)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return GatewayError.UnreadableBody(ex, limit);
        }
        catch
        {
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }

        return new RequestBody(buffer, length);
    }

    public void Dispose()
    {
        var buffer = Interlocked.Exchange(ref _buffer, []);
        if (buffer.Length > 0)
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
