namespace Gateway.Edge.Auth;

/// <summary>A resolved virtual key: which provider to call and with what credential. <see cref="BaseUrl"/> is empty
/// when the provider's default applies.</summary>
internal sealed record ProviderTarget(
    string VirtualKeyId,
    string Provider,
    string Credential,
    string BaseUrl,
    IReadOnlyDictionary<string, string> Extras)
{
    /// <summary>Never print the credential (records print every property by default).</summary>
    public override string ToString() => $"ProviderTarget {{ VirtualKeyId = {VirtualKeyId}, Provider = {Provider} }}";
}
