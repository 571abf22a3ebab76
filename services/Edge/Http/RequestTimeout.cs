using System.Globalization;
using Gateway.Edge.Errors;

namespace Gateway.Edge.Http;

/// <summary><c>x-gateway-request-timeout</c> (or <c>x-portkey-request-timeout</c>): the whole upstream exchange for
/// this request, in milliseconds. Values above the Edge's own upper bound are capped to it, not refused, so a client
/// written for another gateway's larger limit keeps working.</summary>
internal static class RequestTimeout
{
    public static GatewayError? Read(IHeaderDictionary headers, TimeSpan max, out TimeSpan timeout)
    {
        timeout = max;
        if (GatewayHeaders.First(headers, GatewayHeaders.RequestTimeout, GatewayHeaders.PortkeyRequestTimeout) is not { } raw)
        {
            return null;
        }

        if (!long.TryParse(raw.AsSpan().Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var milliseconds) || milliseconds <= 0)
        {
            return GatewayError.InvalidHeader(GatewayHeaders.NameOfFirst(headers, GatewayHeaders.RequestTimeout, GatewayHeaders.PortkeyRequestTimeout),
                "must be a positive whole number of milliseconds");
        }

        if (milliseconds < max.TotalMilliseconds)
        {
            timeout = TimeSpan.FromMilliseconds(milliseconds);
        }

        return null;
    }
}
