using System.Runtime.CompilerServices;

namespace Gateway.Edge.Providers;

/// <summary>The <c>Authorization: Bearer {credential}</c> value as a plain string, built once per credential: the
/// credential strings come from cached key resolutions, so the same instance comes back request after request (an
/// entry lives as long as its credential). Added without validation, the header needs no
/// <see cref="System.Net.Http.Headers.AuthenticationHeaderValue"/> nor its formatting when the request is written.</summary>
internal static class BearerAuthorization
{
    public const string HeaderName = "Authorization";

    private static readonly ConditionalWeakTable<string, string> Values = [];

    public static void Set(HttpRequestMessage message, string credential) =>
        message.Headers.TryAddWithoutValidation(HeaderName, Values.GetValue(credential, static c => "Bearer " + c));
}
