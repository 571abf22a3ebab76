using System.ClientModel.Primitives;

namespace Gateway.Edge.Tests.Pipeline;

/// <summary>Adds a gateway header (virtual key, trace id) to every request the official OpenAI client sends, as an
/// application using the SDK against the gateway would.</summary>
internal sealed class GatewayHeaderPolicy(string name, string value) : PipelinePolicy
{
    public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        message.Request.Headers.Set(name, value);
        ProcessNext(message, pipeline, currentIndex);
    }

    public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
    {
        message.Request.Headers.Set(name, value);
        return ProcessNextAsync(message, pipeline, currentIndex);
    }
}
