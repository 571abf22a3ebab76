namespace Gateway.Edge.Providers;

/// <summary>Sets <c>Authorization: Bearer {credential}</c> as a plain string: no
/// <see cref="System.Net.Http.Headers.AuthenticationHeaderValue"/> to build per request, nor to format again when the
/// request is written. The last value is kept: credentials come from cached key resolutions, so the same string
/// instance comes back request after request and the header value is built once, not per request.</summary>
internal sealed class BearerAuthorization
{
    public const string HeaderName = "Authorization";

    private Entry? _last;

    public void Set(HttpRequestMessage message, string credential)
    {
        var last = _last;
        if (last is null || !ReferenceEquals(last.Credential, credential))
        {
            last = new Entry(credential, "Bearer " + credential);
            _last = last;
        }

        message.Headers.TryAddWithoutValidation(HeaderName, last.Value);
    }

    private sealed record Entry(string Credential, string Value);
}
