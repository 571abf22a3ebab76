namespace Gateway.Contracts.Routing;

/// <summary>One problem in a routing config, located by a JSONPath such as <c>$.targets[1].weight</c>.</summary>
public sealed record ConfigValidationError(string Path, string Message)
{
    public override string ToString() => $"{Path}: {Message}";
}
