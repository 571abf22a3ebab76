using System.Buffers;
using Gateway.Edge.Errors;
using Gateway.Edge.Options;

namespace Gateway.Edge.ChatCompletions;

/// <summary>The 413 for a body over the limit, made readable: the rest of the body is read and dropped (bounded in
/// bytes and time) before the answer, because a server that answers and closes while the client is still sending
/// leaves unread bytes behind, the kernel then resets the connection, and the reset can reach the client before it
/// has read the 413. Kestrel does not drain a body past its own size limit, and with <c>Connection: close</c> not at
/// all, so this is the Edge's job. A body drained to its end leaves the connection reusable; otherwise the answer
/// says <c>Connection: close</c> and the connection is closed as it is.</summary>
internal static class OversizedBodyDrain
{
    private const int ScratchBytes = 16 * 1024;

    private static readonly KeyValuePair<string, string>[] CloseHeaders = [new("Connection", "close")];

    /// <summary>Kestrel's own cap for a body of <paramref name="options"/>: past the Edge's limit by the drain allowance,
    /// so the rest of a refused body can still be read.</summary>
    public static long KestrelLimit(EdgeOptions options) => options.MaxRequestBodyBytes + options.OversizedBodyDrainBytes + 1;

    /// <param name="read">What was read of the body so far.</param>
    public static async ValueTask<GatewayError> RefuseAsync(HttpContext context, EdgeOptions options, long read, CancellationToken cancellationToken)
    {
        var declared = context.Request.ContentLength;
        var allowance = options.MaxRequestBodyBytes + options.OversizedBodyDrainBytes - read;
        // A declared length past the allowance would be read in vain: the reset comes anyway.
        var drained = allowance > 0 && options.OversizedBodyDrainTimeout > TimeSpan.Zero && (declared is null || declared - read <= allowance)
            && await DrainAsync(context.Request.Body, allowance, options.OversizedBodyDrainTimeout, cancellationToken);
        var error = GatewayError.BodyTooLarge(options.MaxRequestBodyBytes);
        return drained ? error : error with { Headers = CloseHeaders };
    }

    /// <summary>True when the body ended within the allowance and the time.</summary>
    private static async Task<bool> DrainAsync(Stream body, long allowance, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var scratch = ArrayPool<byte>.Shared.Rent(ScratchBytes);
        try
        {
            while (allowance >= 0)
            {
                var read = await body.ReadAsync(scratch, deadline.Token);
                if (read == 0)
                {
                    return true;
                }

                allowance -= read;
            }

            return false;
        }
        catch (Exception ex) when (ex is OperationCanceledException or BadHttpRequestException or IOException)
        {
            // Out of time, past Kestrel's cap, or the client is gone: the connection closes as it is.
            return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }
}
