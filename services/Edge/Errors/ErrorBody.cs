using System.Text.Json.Serialization;

namespace Gateway.Edge.Errors;

/// <summary>OpenAI's error envelope: <c>{"error":{"message","type","code"}}</c>.</summary>
internal sealed record ErrorEnvelope(ErrorBody Error);

internal sealed record ErrorBody(string Message, string Type, string Code);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ErrorEnvelope))]
internal sealed partial class ErrorJsonContext : JsonSerializerContext;
