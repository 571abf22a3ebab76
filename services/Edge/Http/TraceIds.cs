using System.Diagnostics;

namespace Gateway.Edge.Http;

/// <summary>The request's trace id: the client's <c>x-gateway-trace-id</c> (or alias) when it is a sane token,
/// else the W3C trace id of the current activity, else a new random id.</summary>
internal static class TraceIds
{
    private const int MaxLength = 128;

    public static string Resolve(IHeaderDictionary headers)
    {
        var supplied = GatewayHeaders.First(headers, GatewayHeaders.TraceId, GatewayHeaders.PortkeyTraceId);
        if (supplied is not null && IsValid(supplied))
        {
            return supplied;
        }

        return Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity
            ? activity.TraceId.ToHexString()
            : Guid.NewGuid().ToString("N");
    }

    /// <summary>Visible ASCII only, bounded: the id is echoed in a response header and stored with the usage.</summary>
    private static bool IsValid(string value)
    {
        if (value.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }
}
