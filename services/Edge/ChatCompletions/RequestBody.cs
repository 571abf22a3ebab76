using System.Buffers;
using Gateway.Edge.Errors;
using Gateway.Edge.Options;
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

    /// <summary>Reads the whole body, refusing more than <see cref="EdgeOptions.MaxRequestBodyBytes"/> (413) whether
    /// or not the client declared a Content-Length (see <see cref="OversizedBodyDrain"/> for how the 413 is made to
    /// reach a client that is still sending).</summary>
    public static async ValueTask<Outcome<RequestBody>> ReadAsync(HttpContext context, EdgeOptions options, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var limit = options.MaxRequestBodyBytes;
        // Our limit replaces Kestrel's default (30 MB), which would otherwise cut larger configured limits short;
        // Kestrel's sits past ours by the drain allowance.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = OversizedBodyDrain.KestrelLimit(options);
        }

        if (request.ContentLength > limit)
        {
            return await OversizedBodyDrain.RefuseAsync(context, options, 0, cancellationToken);
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
                        break;
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
                    break;
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

        if (length > limit)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return await OversizedBodyDrain.RefuseAsync(context, options, length, cancellationToken);
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
