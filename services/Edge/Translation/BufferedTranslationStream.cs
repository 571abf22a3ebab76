using System.Buffers;
using Gateway.Edge.Http;
using Gateway.Edge.Pricing;
using Gateway.ServiceDefaults.Buffers;

namespace Gateway.Edge.Translation;

/// <summary>A whole JSON body (a message or an error), read from the provider on the first read and translated in
/// one piece; reading it lazily keeps network failures inside the relay, which reports them like any other.</summary>
/// <param name="translate">Translates the body into the writer and returns the usage it found, if any.</param>
internal sealed class BufferedTranslationStream(Stream upstream, Func<ReadOnlyMemory<byte>, IBufferWriter<byte>, TokenUsage?> translate)
    : TranslatedReadStream, INativeUsageSource
{
    public TokenUsage? NativeUsage { get; private set; }

    protected override async ValueTask<bool> FillAsync(IBufferWriter<byte> output, CancellationToken cancellationToken)
    {
        using var body = new PooledBufferWriter(16 * 1024);
        await body.ReadFromAsync(upstream, cancellationToken);
        NativeUsage = translate(body.WrittenMemory, output);
        return false;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            upstream.Dispose();
        }

        base.Dispose(disposing);
    }
}
