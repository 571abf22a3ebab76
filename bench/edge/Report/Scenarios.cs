namespace Gateway.Bench.Edge.Report;

internal static class Scenarios
{
    public const string NonStreaming = "chat, non-streaming";
    public const string Paced = "chat, non-streaming, paced";
    public const string Streaming = "chat, streaming (whole stream)";
    public const string Cache = "cache hit (x-gateway-cache: true)";
    public const string FirstByte = "time to first streamed byte";
}
