namespace Gateway.Edge.Http;

/// <summary>Bounds on what clients attach to a request: metadata is stored with every usage event, so its size is a
/// storage and abuse concern, not only a parsing one. Going over a limit is a 400 that names the limit.</summary>
internal static class HeaderLimits
{
    public const int MaxHeaderValueLength = 8 * 1024;
    public const int MaxMetadataKeys = 32;
    public const int MaxMetadataKeyLength = 64;
    public const int MaxMetadataValueLength = 512;
    public const int MaxUserLength = 512;
    public const int MaxForwardHeaders = 16;

    /// <summary>The header's value, or null when absent/empty; an error when it is longer than the limit.</summary>
    public static Errors.GatewayError? Bounded(string header, string? value) =>
        value is { Length: > MaxHeaderValueLength } ? Errors.GatewayError.HeaderTooLarge(header, MaxHeaderValueLength) : null;
}
