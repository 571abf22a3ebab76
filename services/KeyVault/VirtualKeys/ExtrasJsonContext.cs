using System.Text.Json.Serialization;

namespace Gateway.KeyVault.VirtualKeys;

/// <summary>Source-generated JSON for the provider extras stored in <c>virtual_keys.extras</c>.</summary>
[JsonSerializable(typeof(Dictionary<string, string>))]
internal sealed partial class ExtrasJsonContext : JsonSerializerContext;
