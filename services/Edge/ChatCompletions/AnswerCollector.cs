using Gateway.Edge.Caching;

namespace Gateway.Edge.ChatCompletions;

/// <summary>One miss's answer as it was relayed: the assembled stream, or the buffered body. Each attempt that relays
/// starts over (<see cref="ForStream"/>, <see cref="KeepBody"/>), so only the attempt that served is stored.</summary>
internal sealed class AnswerCollector(int maxBytes)
{
    public CompletionAssembler? Assembler { get; private set; }

    public byte[]? Body { get; private set; }

    public CompletionAssembler ForStream()
    {
        Body = null;
        Assembler = new CompletionAssembler(maxBytes);
        return Assembler;
    }

    public void KeepBody(byte[] body)
    {
        Assembler = null;
        Body = body;
    }
}
