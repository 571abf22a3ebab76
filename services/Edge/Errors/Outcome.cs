namespace Gateway.Edge.Errors;

/// <summary>A value or the gateway error that prevents it: client mistakes are ordinary results, not exceptions.</summary>
internal readonly record struct Outcome<T>(T? Value, GatewayError? Error) where T : class
{
    public static implicit operator Outcome<T>(T value) => new(value, null);

    public static implicit operator Outcome<T>(GatewayError error) => new(null, error);
}
