namespace Gateway.Edge.Providers;

/// <summary>A provider's answer passed a size the Edge will hold: a non-streamed body beyond
/// <see cref="Options.ProviderHttpOptions.MaxResponseBodyBytes"/>, or one server-sent event that never ends. An
/// <see cref="IOException"/>, so whatever reads the body treats it as the provider failing mid-body.</summary>
internal sealed class UpstreamResponseTooLargeException(string message) : IOException(message)
{
    public const string Code = "upstream_response_too_large";

    public static UpstreamResponseTooLargeException Body(long limit) =>
        new($"The provider's response body is larger than the gateway's limit of {limit} bytes.");

    public static UpstreamResponseTooLargeException Event(long limit) =>
        new($"The provider sent a server-sent event longer than the gateway's limit of {limit} bytes.");
}
