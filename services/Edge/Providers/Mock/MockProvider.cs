using System.Buffers;
using System.Runtime.InteropServices;
using Gateway.Edge.Auth;

namespace Gateway.Edge.Providers.Mock;

/// <summary>The built-in <c>mock</c> provider: a deterministic answer with realistic usage numbers, streamed or not,
/// without any network call. For demos and load tests only; it is never a real model. Its credential is ignored.</summary>
internal sealed class MockProvider : IChatProvider
{
    public const string ProviderName = "mock";

    public string Name => ProviderName;

    public Task<UpstreamResponse> SendAsync(ChatRequest request, ProviderTarget target, CancellationToken cancellationToken)
    {
        var completion = new MockCompletion(request.Info.Model, MockPrompt.Read(request.Body.Span));
        var output = new ArrayBufferWriter<byte>(1024);
        string contentType;
        if (request.Info.Stream)
        {
            completion.WriteEventStream(output);
            contentType = "text/event-stream; charset=utf-8";
        }
        else
        {
            completion.WriteJson(output);
            contentType = "application/json";
        }

        var body = MemoryMarshal.TryGetArray(output.WrittenMemory, out var written)
            ? new MemoryStream(written.Array!, written.Offset, written.Count, writable: false)
            : new MemoryStream(output.WrittenMemory.ToArray(), writable: false);
        return Task.FromResult(new UpstreamResponse(StatusCodes.Status200OK, contentType, body, ProviderName));
    }
}
