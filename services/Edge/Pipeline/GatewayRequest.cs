using Gateway.Edge.ChatCompletions;

namespace Gateway.Edge.Pipeline;

/// <summary>One request on its way through <see cref="GatewayPipeline"/>: the HTTP exchange and the record that
/// becomes its usage event. Endpoint handlers fill the record (model, stream, usage) as they learn more.</summary>
internal sealed class GatewayRequest(HttpContext context, RequestRecord record)
{
    public HttpContext Context { get; } = context;

    public RequestRecord Record { get; } = record;

    /// <summary>Cancelled when the client goes away.</summary>
    public CancellationToken Aborted => Context.RequestAborted;
}
