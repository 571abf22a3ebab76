namespace Gateway.Edge.Errors;

/// <summary>For the rare gateway error found deep in a call chain (e.g. a misconfigured provider target); ordinary
/// client mistakes travel as <see cref="Outcome{T}"/> values instead.</summary>
internal sealed class GatewayErrorException(GatewayError error) : Exception(error.Message)
{
    public GatewayError Error { get; } = error;
}
