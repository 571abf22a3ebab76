using System.Text.Json.Serialization;

namespace Gateway.Analytics.Queries;

[JsonSerializable(typeof(IReadOnlyDictionary<string, string>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class QueryJsonContext : JsonSerializerContext;
