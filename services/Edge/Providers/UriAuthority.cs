using System.Runtime.CompilerServices;

namespace Gateway.Edge.Providers;

/// <summary>A provider URI's authority (host:port), the usage event's attempt target. <see cref="Uri.Authority"/>
/// builds a new string on every call; providers reuse their URIs, so it is worked out once per URI (an entry lives
/// as long as its URI).</summary>
internal static class UriAuthority
{
    private static readonly ConditionalWeakTable<Uri, string> Authorities = [];

    public static string Of(Uri uri) => Authorities.GetValue(uri, static u => u.Authority);
}
