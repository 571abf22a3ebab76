using System.Buffers.Binary;

namespace Gateway.Analytics.Queries;

/// <summary>The position after the last request of a page: (started_at, event_id), the log's sort key. Pages go
/// strictly below it, so requests stored later (newer, or older but not yet seen) never shift a page: no duplicates
/// and no gaps among the requests that existed when paging started. Opaque to clients (base64url).</summary>
internal readonly record struct RequestCursor(DateTime StartedAt, Guid EventId)
{
    private const byte Version = 1;
    private const int Length = 1 + 8 + 16;

    public string Encode()
    {
        Span<byte> bytes = stackalloc byte[Length];
        bytes[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(bytes[1..], StartedAt.Ticks);
        EventId.TryWriteBytes(bytes[9..]);
        return Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    public static bool TryDecode(string token, out RequestCursor cursor)
    {
        cursor = default;
        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 += (base64.Length % 4) switch { 2 => "==", 3 => "=", _ => "" };
        Span<byte> bytes = stackalloc byte[Length + 3];
        if (!Convert.TryFromBase64String(base64, bytes, out var written) || written != Length || bytes[0] != Version)
        {
            return false;
        }

        var ticks = BinaryPrimitives.ReadInt64BigEndian(bytes[1..]);
        if (ticks < 0 || ticks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        cursor = new RequestCursor(new DateTime(ticks, DateTimeKind.Utc), new Guid(bytes.Slice(9, 16)));
        return true;
    }
}
