using System.Diagnostics;

namespace Gateway.Edge.Http;

/// <summary>The request's trace id: the client's <c>x-gateway-trace-id</c> (or alias) when it is a sane token, else
/// the trace id of a W3C <c>traceparent</c> header, else the W3C trace id of the current activity, else a new
/// random id.</summary>
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

        // Read the header itself rather than rely on the activity: without a tracing listener ASP.NET Core creates
        // no activity, and the id must not depend on whether telemetry is exported.
        if (TraceParentTraceId(headers[GatewayHeaders.TraceParent].ToString()) is { } fromTraceParent)
        {
            return fromTraceParent;
        }

        return Activity.Current is { IdFormat: ActivityIdFormat.W3C } activity
            ? activity.TraceId.ToHexString()
            : Guid.NewGuid().ToString("N");
    }

    /// <summary>The trace-id field of <c>00-&lt;32 hex&gt;-&lt;16 hex&gt;-&lt;2 hex&gt;</c>, or null when the header is
    /// malformed or the id is all zeros (both invalid per W3C Trace Context).</summary>
    internal static string? TraceParentTraceId(string traceParent)
    {
        if (traceParent.Length < 55 || traceParent[2] != '-' || traceParent[35] != '-' || traceParent[52] != '-'
            || !IsLowerHex(traceParent.AsSpan(0, 2)) || traceParent.AsSpan(0, 2).SequenceEqual("ff")
            || !IsLowerHex(traceParent.AsSpan(36, 16)) || !IsLowerHex(traceParent.AsSpan(53, 2))
            || (traceParent.Length > 55 && (traceParent.StartsWith("00", StringComparison.Ordinal) || traceParent[55] != '-')))
        {
            return null;
        }

        var traceId = traceParent.AsSpan(3, 32);
        return IsLowerHex(traceId) && traceId.ContainsAnyExcept('0') ? traceId.ToString() : null;
    }

    private static bool IsLowerHex(ReadOnlySpan<char> value)
    {
        foreach (var c in value)
        {
            if (c is not ((>= '0' and <= '9') or (>= 'a' and <= 'f')))
            {
                return false;
            }
        }

        return true;
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
